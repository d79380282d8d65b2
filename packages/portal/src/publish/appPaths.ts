/** Where an app's origin redeems the portal's one-time sign-in token: Paddock's, never passed to the app. */
export const APP_AUTH_PATH = '/__paddock/auth';
