// The bench's child processes: servers and the load generator, each pinned to its own core
// when taskset exists, so that the load generator never competes with the server it measures.
import { fork, spawnSync } from 'node:child_process';

/** Whether processes are pinned (taskset exists on this machine). */
export const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Forks `file` pinned to `core` (when taskset exists) and waits for its ready message. */
export async function start(file, args, env, core) {
  const child = fork(file, args, {
    env: { ...process.env, ...env },
    execPath: pinned ? 'taskset' : process.execPath,
    execArgv: pinned ? ['-c', String(core), process.execPath] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const message = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  // A server says which port it listens on; the load generator just says it is ready.
  child.port = message?.port;
  return child;
}

/** Stops a server and resolves once it exited (killed outright if it takes over 30 s). */
export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill();
  });
}
