// Talks to the Docker engine through the `docker` CLI (argument arrays, never a shell).
import { execFileCapture, ExecNotFoundError, type ExecResult } from '../exec';

export interface DockerEngineStatus {
  available: boolean;
  /** Engine version when it answers. */
  serverVersion?: string;
  /** Why not, in words ("Docker not found", "Docker engine not running: …"). */
  problem?: string;
}

export async function docker(args: string[], dockerPath = 'docker', timeoutMs = 60_000): Promise<ExecResult> {
  return execFileCapture(dockerPath, args, { timeoutMs, env: process.env });
}

export async function probeDockerEngine(dockerPath = 'docker', timeoutMs = 5_000): Promise<DockerEngineStatus> {
  try {
    const result = await docker(['version', '--format', '{{.Server.Version}}'], dockerPath, timeoutMs);
    const version = result.stdout.trim();
    if (result.code === 0 && version) return { available: true, serverVersion: version };
    const reason =
      (result.stderr.trim().split('\n').pop() ?? '').trim() ||
      (result.signal ? 'no answer in time' : `exit ${result.code}`);
    if (/Cannot connect to the Docker daemon|Is the docker daemon running/i.test(reason))
      return { available: false, problem: 'Docker engine not running' };
    return { available: false, problem: `Docker engine not answering (${reason})` };
  } catch (error) {
    if (error instanceof ExecNotFoundError) return { available: false, problem: 'Docker not found' };
    return { available: false, problem: `Docker unusable: ${(error as Error).message}` };
  }
}
