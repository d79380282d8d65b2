/** Schema URNs (RFC 7643 §8.7, RFC 7644 §3) and the discovery documents (RFC 7643 §5–7). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Paddock's extension: the portal role of a provisioned user. */
export const PADDOCK_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:paddock:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** The largest page a list returns (announced as filter.maxResults). */
export const MAX_RESULTS = 200;

type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
interface AttrOptions {
  multiValued?: boolean; required?: boolean; caseExact?: boolean; mutability?: Mutability;
  uniqueness?: 'none' | 'server' | 'global'; subAttributes?: object[]; canonicalValues?: string[];
  referenceTypes?: string[]; returned?: 'always' | 'default' | 'never' | 'request';
}

/** One attribute definition (RFC 7643 §7), with the RFC's defaults spelled out. */
function attr(name: string, type: string, description: string, o: AttrOptions = {}) {
  return {
    name, type, description,
    multiValued: o.multiValued ?? false,
    required: o.required ?? false,
    caseExact: o.caseExact ?? false,
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
    ...(o.referenceTypes ? { referenceTypes: o.referenceTypes } : {}),
  };
}

const userAttributes = [
  attr('userName', 'string', 'The person\'s email address: Paddock identifies people by email.', { required: true, uniqueness: 'server' }),
  attr('name', 'complex', 'The person\'s name.', {
    subAttributes: [
      attr('formatted', 'string', 'The full name, as displayed.'),
      attr('familyName', 'string', 'Family name.'),
      attr('givenName', 'string', 'Given name.'),
    ],
  }),
  attr('displayName', 'string', 'The name shown in the portal (same as name.formatted).'),
  attr('emails', 'complex', 'Email addresses, kept as sent; sign-in uses userName.', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'An email address.'),
      attr('type', 'string', 'work, home or other.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'The primary address.'),
    ],
  }),
  attr('active', 'boolean', 'False deactivates: sessions end, API tokens are revoked and workspaces stop at once; files and audit history stay.'),
  attr('groups', 'complex', 'The groups the user belongs to (change them through /Groups).', {
    multiValued: true, mutability: 'readOnly',
    subAttributes: [
      attr('value', 'string', 'The group\'s id.', { mutability: 'readOnly' }),
      attr('$ref', 'reference', 'The group\'s URI.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      attr('display', 'string', 'The group\'s displayName.', { mutability: 'readOnly' }),
    ],
  }),
];

const paddockUserAttributes = [
  attr('role', 'string', 'The portal role; builder when a user is created without it, unchanged when a replace omits it.', {
    canonicalValues: ['admin', 'builder', 'auditor'],
  }),
];

const groupAttributes = [
  attr('displayName', 'string', 'The group\'s name, unique in Paddock; blueprint access rules can name it.', { required: true, uniqueness: 'server' }),
  attr('members', 'complex', 'The group\'s users.', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'A user\'s id.', { mutability: 'immutable', caseExact: true }),
      attr('$ref', 'reference', 'The user\'s URI.', { mutability: 'immutable', referenceTypes: ['User'] }),
      attr('display', 'string', 'The user\'s userName.', { mutability: 'readOnly' }),
      attr('type', 'string', 'Always User (groups of groups are not supported).', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
  }),
];

const schemaDocs = [
  { id: USER_SCHEMA, name: 'User', description: 'User account', attributes: userAttributes },
  { id: GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: groupAttributes },
  { id: PADDOCK_USER_SCHEMA, name: 'PaddockUser', description: 'Paddock\'s attributes of a user', attributes: paddockUserAttributes },
];

const meta = (resourceType: string, location: string) => ({ resourceType, location });

export function schemas(base: string) {
  return schemaDocs.map((s) => ({ schemas: [SCHEMA_SCHEMA], ...s, meta: meta('Schema', `${base}/Schemas/${s.id}`) }));
}

export function resourceTypes(base: string) {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users', description: 'User account',
      schema: USER_SCHEMA, schemaExtensions: [{ schema: PADDOCK_USER_SCHEMA, required: false }],
      meta: meta('ResourceType', `${base}/ResourceTypes/User`),
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group',
      schema: GROUP_SCHEMA, schemaExtensions: [],
      meta: meta('ResourceType', `${base}/ResourceTypes/Group`),
    },
  ];
}

/** What Paddock's SCIM service supports (RFC 7643 §5). */
export function serviceProviderConfig(base: string) {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [{
      type: 'oauthbearertoken', name: 'OAuth Bearer Token', primary: true,
      description: 'The SCIM token an admin creates with POST /api/v1/admin/scim-tokens, sent as "Authorization: Bearer <token>".',
    }],
    meta: meta('ServiceProviderConfig', `${base}/ServiceProviderConfig`),
  };
}
