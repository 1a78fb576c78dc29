import { spawnUnreaped } from '../test/helpers/unreaped-child.ts';
import { readProcessStat } from '../src/queue/local/process-liveness.ts';
let ok = 0;
for (let i = 0; i < 300; i++) {
  const child = await spawnUnreaped('sleep', ['600']);
  await child.killToZombie();
  if (readProcessStat(child.pid)?.state === 'Z') ok++;
  await child.cleanup();
}
console.log(`zombies: ${ok}/300`);
