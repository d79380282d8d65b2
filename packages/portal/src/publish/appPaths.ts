/** Where an app's origin redeems the portal's one-time sign-in token: Paddock's, never passed to the app. */
export const APP_AUTH_PATH = '/__paddock/auth';

/** A path on the app's own origin to land on: never `//elsewhere`, `/\\elsewhere` or a full URL ('/' instead). */
export function sameOriginPath(path: string | null | undefined): string {
  if (!path || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
  return path;
}
