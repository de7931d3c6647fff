/**
 * Finds the official Noise vectors in ../shared/noise-vectors (beside the repository; they are
 * read from there, never copied in) and returns the XX_25519 non-PSK ones per file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isXX25519, parseNoiseVector, vectorEntries, type NoiseVector } from '../portable/noise-vector.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTOR_DIR = resolve(REPO_ROOT, '..', 'shared', 'noise-vectors');

/** The files and how many Noise_XX_25519 non-PSK vectors each holds (counted when added). */
export const VECTOR_FILES = { 'cacophony.json': 8, 'snow.json': 8 } as const;

export function vectorsAvailable(): boolean {
  return Object.keys(VECTOR_FILES).every((f) => existsSync(join(VECTOR_DIR, f)));
}

export function loadXXVectors(file: keyof typeof VECTOR_FILES): NoiseVector[] {
  const parsed: unknown = JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8'));
  return vectorEntries(parsed).filter(isXX25519).map(parseNoiseVector);
}
