import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.js';

describe('the public URL (PADDOCK_PUBLIC_URL)', () => {
  it('defaults to http://localhost:PORT', () => {
    expect(configFromEnv({}).publicUrl).toBe('http://localhost:8080');
    expect(configFromEnv({ PORT: '9123' }).publicUrl).toBe('http://localhost:9123');
  });

  it('keeps the origin as configured', () => {
    expect(configFromEnv({ PADDOCK_PUBLIC_URL: 'https://Paddock.Example.com/' }).publicUrl).toBe('https://paddock.example.com');
    expect(configFromEnv({ PADDOCK_PUBLIC_URL: 'https://paddock.example.com:8443' }).publicUrl).toBe('https://paddock.example.com:8443');
  });

  it('refuses anything but an http(s) origin, saying what it wants', () => {
    for (const bad of ['paddock.example.com', 'ftp://paddock.example.com', 'https://paddock.example.com/portal', 'https://user:pw@paddock.example.com', 'https://paddock.example.com/?x=1']) {
      expect(() => configFromEnv({ PADDOCK_PUBLIC_URL: bad }), bad).toThrow(/PADDOCK_PUBLIC_URL must be the portal's origin/);
    }
  });
});

describe('the apps domain (PADDOCK_APPS_DOMAIN)', () => {
  it('defaults to apps.localhost, beside the preview domain', () => {
    expect(configFromEnv({})).toMatchObject({ appsDomain: 'apps.localhost', previewDomain: 'preview.localhost' });
    expect(configFromEnv({ PADDOCK_APPS_DOMAIN: '.Apps.Example.com.' }).appsDomain).toBe('apps.example.com');
  });

  it('refuses an apps domain that shares ground with the previews or the portal: one would answer for the other', () => {
    for (const env of [
      { PADDOCK_APPS_DOMAIN: 'preview.localhost' },
      { PADDOCK_APPS_DOMAIN: 'x.preview.localhost' },
      { PADDOCK_PREVIEW_DOMAIN: 'p.apps.localhost' },
    ]) expect(() => configFromEnv(env), JSON.stringify(env)).toThrow(/must be separate domains/);
    expect(() => configFromEnv({ PADDOCK_PUBLIC_URL: 'https://portal.apps.example.com', PADDOCK_APPS_DOMAIN: 'apps.example.com' })).toThrow(/must not be inside/);
  });
});
