#!/usr/bin/env node
// The `redemption` command's entry. Plain JavaScript on purpose: any Node can read this file,
// so an older one than the platform needs says what to do instead of failing on TypeScript.
// Node 24 runs the CLI's .ts sources as they are (type stripping); see
// docs/decisions/001-node-24-from-npm.md.
const nodeMajorMin = 24;
const major = Number(process.versions.node.split('.')[0]);

if (major < nodeMajorMin) {
  process.stderr.write(
    `redemption needs Node ${nodeMajorMin}; this is Node ${process.versions.node} (${process.execPath}).
Run it through npm, which uses the Node ${nodeMajorMin} that \`npm ci\` installed for this project:
  npm start                                  # redemption start
  npm run redemption -- <command> [options]  # any command, e.g. npm run redemption -- --help
or put Node ${nodeMajorMin} first on your PATH (node_modules/.bin after npm ci, or nvm use).
`,
  );
  process.exit(1);
}

await import('../src/cli.ts');
