// The image update check of a stack as the Stacks screen shows it, and the stages an update
// runs. The update reports with the deploy's events, so its progress uses lib/deploy.ts.

import type { DeployStage, ImageUpdateView } from './ipc/types';

/** The deploy stages an image update runs, in order; it writes no files. */
export const UPDATE_STAGES: readonly DeployStage[] = [
  'validate',
  'pull',
  'create',
  'start',
  'waitHealthy',
];

/** Returns the services whose registry has a newer image, in the check's order. */
export function updatableServices(checks: readonly ImageUpdateView[]): string[] {
  return checks.filter((check) => check.status === 'updateAvailable').map((check) => check.service);
}

/** Returns the check of `service`, if the check covered it. */
export function checkOf(
  checks: readonly ImageUpdateView[] | undefined,
  service: string,
): ImageUpdateView | undefined {
  return checks?.find((check) => check.service === service);
}

/**
 * Shortens `sha256:<64 hex digits>` to the algorithm and 12 digits, as `docker images --digests`
 * shows ids. Returns null for no digest.
 */
export function shortDigest(digest: string | null): string | null {
  if (digest === null) {
    return null;
  }
  const colon = digest.indexOf(':');
  return digest.slice(0, colon + 1 + 12);
}
