/**
 * How the Kafka clients reach a secured cluster: TLS, and SASL (PLAIN, SCRAM, or Amazon MSK's
 * IAM through OAUTHBEARER tokens signed with the pod's AWS credentials, e.g. IRSA). Defaults
 * keep today's plaintext local broker. Read from the environment once, at the first Kafka
 * client (start-up when EVENT_TRANSPORT=kafka), and validated like every other variable.
 */
import { bool, ConfigError, loadConfig, oneOf, str, type VarSpec } from '../config/config.ts';

const mechanisms = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;
export type KafkaSaslMechanism = (typeof mechanisms)[number];

export const kafkaSecurityVars = {
  kafkaTls: {
    name: 'KAFKA_TLS',
    default: 'false',
    description: 'connect to the Kafka brokers over TLS (Amazon MSK: true)',
    parse: bool,
  },
  kafkaSaslMechanism: {
    name: 'KAFKA_SASL_MECHANISM',
    default: 'none',
    description:
      "Kafka client authentication: none, plain, scram-sha-256, scram-sha-512, or aws-msk-iam (MSK IAM with the pod's AWS credentials; needs KAFKA_TLS=true and AWS_REGION)",
    parse: oneOf(...mechanisms) as (raw: string) => KafkaSaslMechanism,
  },
  kafkaSaslUsername: {
    name: 'KAFKA_SASL_USERNAME',
    description: 'user for KAFKA_SASL_MECHANISM plain or scram-*',
    parse: str(255),
  },
  kafkaSaslPassword: {
    name: 'KAFKA_SASL_PASSWORD',
    description: 'password for KAFKA_SASL_MECHANISM plain or scram-*',
    secret: true,
    parse: str(1024),
  },
  awsRegion: {
    name: 'AWS_REGION',
    description: 'AWS region (MSK IAM tokens are signed for it)',
    parse: str(64),
  },
} satisfies Record<string, VarSpec<unknown>>;

export interface KafkaSecurity {
  tls: boolean;
  mechanism: KafkaSaslMechanism;
  username?: string | undefined;
  password?: string | undefined;
  region?: string | undefined;
}

/** The settings from `env`; a ConfigError names every variable that is wrong or missing. */
export function loadKafkaSecurity(
  env: Record<string, string | undefined> = process.env,
): KafkaSecurity {
  const c = loadConfig(kafkaSecurityVars, env);
  const problems: string[] = [];
  if (c.kafkaSaslMechanism === 'aws-msk-iam') {
    if (!c.kafkaTls)
      problems.push(
        'KAFKA_TLS: must be true with KAFKA_SASL_MECHANISM=aws-msk-iam (MSK IAM listens on TLS only)',
      );
    if (!c.awsRegion) problems.push('AWS_REGION: required with KAFKA_SASL_MECHANISM=aws-msk-iam');
  }
  if (c.kafkaSaslMechanism !== 'none' && c.kafkaSaslMechanism !== 'aws-msk-iam')
    for (const [name, value] of [
      ['KAFKA_SASL_USERNAME', c.kafkaSaslUsername],
      ['KAFKA_SASL_PASSWORD', c.kafkaSaslPassword],
    ])
      if (!value)
        problems.push(`${name}: required with KAFKA_SASL_MECHANISM=${c.kafkaSaslMechanism}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    tls: c.kafkaTls,
    mechanism: c.kafkaSaslMechanism,
    username: c.kafkaSaslUsername,
    password: c.kafkaSaslPassword,
    region: c.awsRegion,
  };
}

/** Signs an MSK IAM token (base64url of a SigV4-presigned kafka-cluster:Connect request). */
export type MskTokenSigner = (region: string) => Promise<string>;

const defaultSigner: MskTokenSigner = async (region) => {
  // Loaded only for MSK: the AWS SDK costs start-up time nobody else should pay.
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  return (await generateAuthToken({ region })).token;
};

/** The `tls` and `sasl` options of an @platformatic/kafka client (nothing when unsecured). */
export function kafkaSecurityOptions(s: KafkaSecurity, signer: MskTokenSigner = defaultSigner) {
  const tls = s.tls ? { tls: {} } : {};
  switch (s.mechanism) {
    case 'none':
      return tls;
    case 'aws-msk-iam':
      // A fresh token at each (re)authentication: MSK tokens live 15 minutes.
      return {
        ...tls,
        sasl: { mechanism: 'OAUTHBEARER' as const, token: () => signer(s.region!) },
      };
    default:
      return {
        ...tls,
        sasl: {
          mechanism:
            s.mechanism === 'plain'
              ? ('PLAIN' as const)
              : s.mechanism === 'scram-sha-256'
                ? ('SCRAM-SHA-256' as const)
                : ('SCRAM-SHA-512' as const),
          username: s.username!,
          password: s.password!,
        },
      };
  }
}

let fromEnv: ReturnType<typeof kafkaSecurityOptions> | undefined;

/** The process's settings, read once (tests pass their own to clientOptions instead). */
export function processKafkaSecurityOptions(): ReturnType<typeof kafkaSecurityOptions> {
  fromEnv ??= kafkaSecurityOptions(loadKafkaSecurity());
  return fromEnv;
}
