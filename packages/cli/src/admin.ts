/** `paddock admin <command>`: operator commands that act on the database directly. */
export async function adminMain(args: string[]): Promise<number> {
  // Loaded here, not at the top: `paddock start` and `paddock agent` need none of the portal.
  const { adminCommands, isAdminCommand, runAdminCommand, backupCommands, isBackupCommand, runBackupCommand } = await import('@paddock/portal');
  const [command, ...rest] = args;
  if (isBackupCommand(command)) {
    try {
      process.stdout.write(`${await runBackupCommand(command, args.slice(1), process.env)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`paddock admin ${command} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  if (!isAdminCommand(command)) {
    const list = Object.entries({ ...adminCommands, ...backupCommands }).map(([name, what]) => `  ${name.padEnd(20)} ${what}`).join('\n');
    process.stdout.write(`Usage: paddock admin <command> [arguments]\n\n${list}\n\nThe database and keys come from the environment, as for the portal (docs/operations.md).\n`);
    return command && command !== 'help' && command !== '--help' ? 2 : 0;
  }
  try {
    process.stdout.write(`${await runAdminCommand(command, process.env, { args: rest })}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`paddock admin ${command} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
