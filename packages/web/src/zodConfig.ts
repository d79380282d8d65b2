import { z } from 'zod';

// The portal's content security policy forbids eval. Zod would probe for it (new Function) when a
// schema is defined, and each probe is a reported violation: tell it not to try.
z.config({ jitless: true });
