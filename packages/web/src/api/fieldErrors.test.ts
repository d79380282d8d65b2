import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { updateBlueprintRequestSchema } from '@paddock/protocol';
import { errorsUnder, fieldErrors, issueFields } from './fieldErrors';

describe('fieldErrors', () => {
  it("splits the API's message into each field's errors", () => {
    const error = new ApiError(400, 'invalid_input', 'invalid request body: rules.2.match.command: Too small: expected string to have >=1 characters; mode: Invalid option; rules.2.verdict: Invalid option');
    const { fields, rest } = fieldErrors(error);
    expect(fields).toEqual({
      'rules.2.match.command': 'Too small: expected string to have >=1 characters',
      mode: 'Invalid option',
      'rules.2.verdict': 'Invalid option',
    });
    expect(rest).toEqual([]);
    expect(errorsUnder(fields, 'rules.2')).toBe('match.command: Too small: expected string to have >=1 characters; verdict: Invalid option');
    expect(errorsUnder(fields, 'rules.1')).toBeUndefined();
  });

  it("reads a service's own field message, and leaves what names no field for the banner", () => {
    expect(fieldErrors(new ApiError(400, 'invalid_input', 'rules: the id "a" is used twice')).fields).toEqual({ rules: 'the id "a" is used twice' });
    expect(fieldErrors(new ApiError(400, 'invalid_input', 'the hold request is not valid')).rest).toEqual(['the hold request is not valid']);
  });

  it('finds nothing in an error that is not a refused input', () => {
    expect(fieldErrors(new ApiError(409, 'conflict', 'mode: taken'))).toEqual({ fields: {}, rest: [] });
    expect(fieldErrors(new Error('mode: x'))).toEqual({ fields: {}, rest: [] });
  });
});

describe('issueFields', () => {
  it("maps a protocol schema's issues to fields, saying length limits in plain words", () => {
    const parsed = updateBlueprintRequestSchema.safeParse({ name: 'n'.repeat(300), suggestedPrompts: ['ok', ''], previewPorts: [70000] });
    expect(parsed.success).toBe(false);
    expect(issueFields(parsed.error!.issues)).toEqual({
      name: 'At most 64 characters',
      'suggestedPrompts.1': 'Required',
      'previewPorts.0': 'At most 65535',
    });
  });
});
