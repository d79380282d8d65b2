import { closeSync, constants, fstatSync, openSync } from 'node:fs';

/** Linux open(2) flag, not in Node's constants: a handle on the name itself, without opening what it names. */
const O_PATH = 0o10000000;

/**
 * A workspace's run dir is writable from inside its sandbox, so any check on a
 * socket's name and a later connect to that name can be raced (the name swapped
 * for a link to some other host socket in between). Instead, take a handle on
 * the entry itself, refusing links, check the handle, and connect through
 * /proc/self/fd: the connect reaches exactly the inode that was checked.
 * Undefined when the entry is missing or not a socket; close() when connected.
 */
export function pinSocketFile(path: string): { path: string; close(): void } | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_PATH | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  if (!fstatSync(fd).isSocket()) {
    closeSync(fd);
    return undefined;
  }
  let open = true;
  return {
    path: `/proc/self/fd/${fd}`,
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
