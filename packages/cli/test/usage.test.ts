import { runCli } from './support/runCli.js';

describe('hopbus usage and errors', () => {
  it('--help works on the program and on every command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: hopbus \[options\] \[command\]/);
    expect(top.stdout).toContain('graph [options] <entry>');
    for (const command of ['topics', 'describe', 'groups', 'tail', 'verify', 'repair', 'replay']) {
      const help = await runCli(['log', command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: hopbus log ${command} `));
    }
    expect((await runCli(['log', '--help'])).stdout).toContain('replay [options] <dir> <topic> <group>');
  });

  it('usage errors print one hopbus: line and exit 1', async () => {
    expect(await runCli(['log', 'topics'])).toEqual({ code: 1, stdout: '', stderr: "hopbus: missing required argument 'dir' (see --help)\n" });
    const unknown = await runCli(['lgo']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^hopbus: unknown command 'lgo' \(Did you mean log\?\) \(see --help\)\n$/);
    const option = await runCli(['log', 'topics', '/tmp', '--jsn']);
    expect(option.stderr).toMatch(/^hopbus: unknown option '--jsn'.*\n$/);
    expect(option.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--limit must be a whole number', async () => {
    expect((await runCli(['log', 'tail', '/tmp', 't', '--limit', 'ten'])).stderr).toBe('hopbus: --limit must be a whole number >= 0, not "ten".\n');
  });
});
