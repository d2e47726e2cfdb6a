import { GraphQLScalarType } from 'graphql';
import { allow, deny } from 'graphql-shield';
import { describe, expect, it } from 'vitest';
import { mergeDisjoint } from './subgraph-server.ts';

describe('mergeDisjoint', () => {
  it('merges the field maps of a type from several modules, and leaves the inputs as they were', () => {
    const clients = { Query: { client: () => 'client' }, Client: { name: () => 'name' } };
    const contacts = { Query: { contact: () => 'contact' }, Client: { contacts: () => [] } };
    const merged = mergeDisjoint(clients, contacts);
    expect(Object.keys(merged.Query)).toEqual(['client', 'contact']);
    expect(Object.keys(merged.Client)).toEqual(['name', 'contacts']);
    expect(Object.keys(clients.Query)).toEqual(['client']);
  });

  it('throws, naming the field, when two modules resolve the same field', () => {
    const first = { Query: { client: () => 'first' } };
    const second = { Query: { client: () => 'second' } };
    expect(() => mergeDisjoint(first, second)).toThrow('Query.client is defined by two modules');
  });

  it("throws when two rule maps name the same field, so no module can loosen another's rule", () => {
    const second = { Client: { '*': allow } };
    expect(() => mergeDisjoint({ Client: { '*': deny } }, second)).toThrow('Client.* is defined by two modules');
  });

  it('throws when one module gives a whole-type value and another gives fields of that type', () => {
    const fields = { Message: { attachments: deny } };
    expect(() => mergeDisjoint({ Message: allow }, fields)).toThrow('Message is defined by two modules');
    const scalar = new GraphQLScalarType({ name: 'DateTime' });
    expect(() => mergeDisjoint({ DateTime: scalar }, { DateTime: scalar })).toThrow('DateTime is defined by two');
  });

  it('throws when two loader sets share a key', () => {
    expect(() => mergeDisjoint({ clientById: 1 }, { clientById: 2 })).toThrow('clientById is defined by two modules');
  });
});
