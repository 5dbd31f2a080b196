import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLock, DataDirLockedError, LOCK_FILE, readLockOwner } from '../../src/db/data-dir-lock.js';

describe('the data directory lock', () => {
  const dirs: string[] = [];
  const dir = () => {
    const created = mkdtempSync(join(tmpdir(), 'educonnect-lock-'));
    dirs.push(created);
    return created;
  };
  afterEach(() => {
    for (const created of dirs.splice(0)) rmSync(created, { recursive: true, force: true });
  });

  it('is exclusive, names its owner in French, and is removed on release', () => {
    const dataDir = dir();
    const lock = DataDirLock.acquire(dataDir, 'server');
    expect(readLockOwner(dataDir)).toMatchObject({ pid: process.pid, role: 'server' });
    expect(() => DataDirLock.acquire(dataDir, 'cli')).toThrow(DataDirLockedError);
    expect(() => DataDirLock.acquire(dataDir, 'cli')).toThrow(/Un serveur ÉduConnect \(processus \d+\)/);
    lock.releaseSync();
    expect(readLockOwner(dataDir)).toBeUndefined();
    DataDirLock.acquire(dataDir, 'cli').releaseSync();
  });

  it('takes over a lock whose process is dead, or that bears our own PID from an earlier life', async () => {
    const dataDir = dir();
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => child.once('exit', () => resolve(child.pid!)));
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: deadPid, role: 'server' }));
    expect(readLockOwner(dataDir)).toBeUndefined();
    DataDirLock.acquire(dataDir, 'server').releaseSync();

    // A container restarted: the new process has the PID the old one wrote.
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, role: 'server' }));
    const lock = DataDirLock.acquire(dataDir, 'server');
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.releaseSync();

    writeFileSync(join(dataDir, LOCK_FILE), 'half-writ');
    DataDirLock.acquire(dataDir, 'cli').releaseSync();
  });

  it('respects a live process, and tells a PID reused by another program apart by its start time', () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.ppid, role: 'cli' }));
    expect(() => DataDirLock.acquire(dataDir, 'server')).toThrow(/commande educonnect/);
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.ppid, role: 'cli', started: '1' }));
    DataDirLock.acquire(dataDir, 'server').releaseSync();
  });

  it('makes a server wait for a CLI command, not for another server', async () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.ppid, role: 'cli' }));
    const waited: number[] = [];
    const acquiring = DataDirLock.acquireWaiting(dataDir, 'server', 10_000, (owner) =>
      waited.push(owner.pid),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(join(dataDir, LOCK_FILE));
    (await acquiring).releaseSync();
    expect(waited).toEqual([process.ppid]);

    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.ppid, role: 'server' }));
    await expect(DataDirLock.acquireWaiting(dataDir, 'server', 10_000)).rejects.toThrow(/utilise déjà/);
  });
});
