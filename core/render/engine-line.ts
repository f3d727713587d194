/** The first line of every command that talks to an engine: which engine, so nobody applies to the wrong server. */
import type { EngineInfo } from '../engine/client.js';
import type { Style } from './style.js';

export function engineLine(engine: EngineInfo, endpoint: string | undefined, style: Style): string {
  const where = endpoint ?? engine.endpoint ?? 'the engine';
  return style.dim(`Engine: ${where} (${engine.podman ? 'Podman' : 'Docker Engine'} ${engine.version}, API ${engine.apiVersion})`);
}
