export const LIST: string;
export function sh(script: string): string[];
export function fillScript(big: number, small: number): string[];
export function listScript(dir: string, out: string): string[];
export function copyScript(): string[];
