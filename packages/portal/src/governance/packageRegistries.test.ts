import { describe, expect, it } from 'vitest';
import { configuredRegistries, type RegistrySources } from './packageRegistries.js';

const sources = (files: Record<string, string>, env: NodeJS.ProcessEnv = {}): RegistrySources => ({
  env,
  read: (path) => files[path],
  list: (dir) => Object.keys(files).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)),
  home: '/home/u',
});

describe('configuredRegistries', () => {
  it("is each package manager's default when nothing is configured", () => {
    expect(configuredRegistries(sources({}))).toEqual(['files.pythonhosted.org', 'pypi.org', 'registry.npmjs.org']);
  });

  it('reads npm, pip and apt configuration, one-line and deb822 sources alike', () => {
    const found = configuredRegistries(sources({
      '/home/u/.npmrc': 'fund=false\nregistry=https://npm.corp.example/\n@acme:registry = https://npm.acme.example/repo\n',
      '/etc/pip.conf': '[global]\nindex-url = https://pypi.corp.example/simple\n',
      '/etc/apt/sources.list': '# deb http://commented.example/debian bookworm main\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n',
      '/etc/apt/sources.list.d/debian.sources': 'Types: deb\nURIs: http://deb.debian.org/debian http://deb2.example/debian\nSuites: bookworm\n',
    }));
    expect(found).toEqual(['deb.debian.org', 'deb2.example', 'mirror.example', 'npm.acme.example', 'npm.corp.example', 'pypi.corp.example']);
  });

  it('takes the environment, and PADDOCK_GOVERNANCE_REGISTRIES over everything', () => {
    expect(configuredRegistries(sources({}, { npm_config_registry: 'https://r.example/', PIP_INDEX_URL: 'https://p.example/simple' })))
      .toEqual(['p.example', 'r.example']);
    expect(configuredRegistries(sources({ '/home/u/.npmrc': 'registry=https://npm.corp.example/' }, { PADDOCK_GOVERNANCE_REGISTRIES: ' A.example, b.example,,' })))
      .toEqual(['a.example', 'b.example']);
  });
});
