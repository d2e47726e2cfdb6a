import { readFile } from 'node:fs/promises';
import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, permissionEnumValue, permissionOfEnumValue } from '../../../platform/permissions.ts';

describe('Permission enum', () => {
  it('has exactly one SDL value per catalogue permission, named after it', async () => {
    const sdl = parse(await readFile(new URL('../../../schema/tenancy.graphql', import.meta.url), 'utf8'));
    const permissionEnum = sdl.definitions.find(
      (d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'Permission',
    );
    const sdlValues =
      permissionEnum?.kind === Kind.ENUM_TYPE_DEFINITION ? permissionEnum.values!.map((v) => v.name.value) : [];
    expect([...sdlValues].sort()).toEqual(PERMISSIONS.map(permissionEnumValue).sort());
    for (const permission of PERMISSIONS) {
      expect(permissionEnumValue(permission)).toBe(permission.replace(':', '_').toUpperCase());
      expect(permissionOfEnumValue(permissionEnumValue(permission))).toBe(permission);
    }
  });
});
