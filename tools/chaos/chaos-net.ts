/**
 * The network for the "latency and loss between two services" fault: one service runs in a
 * network namespace of its own, joined to the host by a veth pair; everything else listens on
 * the host end's address, so the namespaced service reaches PostgreSQL, Redis, Kafka and the
 * other services across the veth, and they reach it the same way.
 *
 * This machine's kernel has no netem (nor gact): `tc qdisc add … netem` answers "Specified qdisc
 * kind is unknown". Loss is therefore done in the kernel with what it has: an HTB root with a
 * black-hole class (pfifo limit 0) and a classic-BPF classifier that sends a random share of the
 * service's TCP packets there, on both ends of the veth (requests to its port, answers from it).
 * Latency is added by a TCP proxy in front of the service (see chaos-delay-proxy.ts).
 * Without `ip netns` (not root, no CAP_NET_ADMIN) everything stays on 127.0.0.1 and the phase is
 * skipped with the reason printed.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
const loopback = '127.0.0.1';
/** SKF_AD_OFF + SKF_AD_RANDOM (linux/filter.h): a classic-BPF load of this offset is random. */
const bpfRandomOffset = 0xfffff000 + 56;
const blackHoleClassId = 0x10020; // 1:20

export interface ChaosNet {
  /** Where the host side listens: the veth's host address, or 127.0.0.1 without a namespace. */
  hostIp: string;
  /** The namespaced service's address, or null when there is no namespace. */
  nsIp: string | null;
  /** Why there is no namespace (printed), or null. */
  unavailable: string | null;
  /** The command prefix that runs a process in the namespace (`ip netns exec <ns>`). */
  prefix: string[];
  /** Drops `lossPct` % of the TCP packets to and from `port` in the namespace. */
  lose(port: number, lossPct: number): Promise<void>;
  /** Removes the loss. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

const ip = (...args: string[]) => run('ip', args);
const tc = (...args: string[]) => run('tc', args);

/**
 * A classic-BPF program (tc's `bytecode` syntax) for an Ethernet frame: TCP with the port at
 * `portOffset` in its header (0 source, 2 destination) equal to `port`, and a random number
 * mod 100 below `lossPct` → the black-hole class; anything else → no match (the default class).
 */
export function lossBytecode(port: number, portOffset: 0 | 2, lossPct: number): string {
  const ins = [
    [0x30, 0, 0, 23], // ldb [23]: IPv4 protocol
    [0x15, 0, 7, 6], // jeq #6 (TCP), else ret 0
    [0xb1, 0, 0, 14], // ldx 4*([14]&0xf): IP header length
    [0x48, 0, 0, 14 + portOffset], // ldh [x+14+offset]: the port
    [0x15, 0, 4, port], // jeq #port, else ret 0
    [0x20, 0, 0, bpfRandomOffset], // ld rand
    [0x94, 0, 0, 100], // mod #100
    [0x35, 1, 0, lossPct], // jge #loss → ret 0
    [0x06, 0, 0, blackHoleClassId], // ret 1:20
    [0x06, 0, 0, 0], // ret 0: no match
  ];
  return `${ins.length},${ins.map((i) => i.join(' ')).join(',')}`;
}

async function shape(exec: string[], dev: string, port: number, offset: 0 | 2, lossPct: number) {
  const t = (...a: string[]) =>
    exec.length ? run(exec[0]!, [...exec.slice(1), 'tc', ...a]) : tc(...a);
  await t(
    'qdisc',
    'add',
    'dev',
    dev,
    'root',
    'handle',
    '1:',
    'htb',
    'default',
    '10',
    'r2q',
    '100000',
  );
  await t('class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
  await t('class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit');
  await t('qdisc', 'add', 'dev', dev, 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '0');
  await t(
    'filter',
    'add',
    'dev',
    dev,
    'parent',
    '1:',
    'protocol',
    'ip',
    'prio',
    '1',
    'bpf',
    'bytecode',
    lossBytecode(port, offset, lossPct),
  );
}

async function unshape(exec: string[], dev: string) {
  const args = ['tc', 'qdisc', 'del', 'dev', dev, 'root'];
  await (exec.length ? run(exec[0]!, [...exec.slice(1), ...args]) : tc(...args.slice(1))).catch(
    () => undefined, // nothing to remove
  );
}

export async function setupNet(): Promise<ChaosNet> {
  const tag = randomInt(0x1000, 0xffff).toString(16);
  const ns = `chaos-${tag}`;
  const [hostDev, nsDev] = [`chv${tag}h`, `chv${tag}n`]; // interface names: 15 bytes at most
  const subnet = `10.213.${randomInt(0, 256)}`;
  const [hostIp, nsIp] = [`${subnet}.1`, `${subnet}.2`];
  const inNs = ['ip', 'netns', 'exec', ns];
  try {
    await ip('netns', 'add', ns);
  } catch (err) {
    return offline(`ip netns add failed: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    await ip('link', 'add', hostDev, 'type', 'veth', 'peer', 'name', nsDev);
    await ip('link', 'set', nsDev, 'netns', ns);
    await ip('addr', 'add', `${hostIp}/30`, 'dev', hostDev);
    await ip('link', 'set', hostDev, 'up');
    await ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsDev);
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', nsDev, 'up');
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (err) {
    await ip('netns', 'del', ns).catch(() => undefined);
    await ip('link', 'del', hostDev).catch(() => undefined);
    return offline(`veth setup failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    hostIp,
    nsIp,
    unavailable: null,
    prefix: inNs,
    async lose(port, lossPct) {
      await shape([], hostDev, port, 2, lossPct); // requests to the service
      await shape(inNs, nsDev, port, 0, lossPct); // its answers
    },
    async heal() {
      await unshape([], hostDev);
      await unshape(inNs, nsDev);
    },
    async close() {
      // Deleting the namespace deletes its end of the pair, and with it the host's end.
      await ip('netns', 'del', ns).catch(() => undefined);
      await ip('link', 'del', hostDev).catch(() => undefined);
    },
  };
}

function offline(reason: string): ChaosNet {
  return {
    hostIp: loopback,
    nsIp: null,
    unavailable: reason,
    prefix: [],
    lose: () => Promise.reject(new Error(reason)),
    heal: async () => undefined,
    close: async () => undefined,
  };
}
