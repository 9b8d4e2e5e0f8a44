import { createHash } from 'node:crypto';
import type { ResourceType } from './resource-type.ts';
import { metadataFieldLabels, withTypeMeta } from './resource-type.ts';
import { buildTable } from './schema/table.ts';
import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from './schema/types.ts';
import { admitCustomResource } from './schema/validate.ts';

/** The verbs apiextensions-apiserver lists in discovery, in its order. */
const customResourceVerbs = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
];

/** discovery.StorageVersionHash: the first 8 bytes of sha256("group/version/kind"), base64. */
function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256')
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString('base64');
}

/**
 * The resource a CRD serves at one of its versions, with the custom-resource strategy of
 * apiextensions-apiserver: schema admission, status subresource, generation on every
 * non-metadata change, no unconditional updates, apiVersion-only conversion between versions.
 */
export function customResourceType(
  crd: CustomResourceDefinition,
  version: CustomResourceDefinitionVersion,
): ResourceType {
  const { group, names, scope } = crd.spec;
  const storageVersion = crd.spec.versions.find((v) => v.storage)?.name ?? version.name;
  const namespaced = scope === 'Namespaced';
  const statusSubresource = version.subresources?.status !== undefined;
  const served = { group, version: version.name, kind: names.kind };
  const schema = version.schema?.openAPIV3Schema;
  return {
    group,
    version: version.name,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    namespaced,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: customResourceVerbs,
    storageVersionHash: storageVersionHash(group, storageVersion, names.kind),
    statusSubresource,
    bucket: `${group}/${names.plural}`,
    generation: true,
    allowUnconditionalUpdate: false,
    returnDeletedObject: false,
    nameRule: 'dns1123Subdomain',
    typed: false,
    schema,
    fieldLabels: (obj) => metadataFieldLabels(obj, namespaced),
    toServed: (stored) => withTypeMeta(stored, served),
    toStored: (obj) => withTypeMeta(obj, { group, version: storageVersion, kind: names.kind }),
    prepareForCreate: (obj) => {
      if (statusSubresource) delete obj.status;
    },
    prepareForUpdate: () => undefined,
    admit: ({ obj, oldObj, fieldValidation }) => {
      if (schema === undefined) return { obj, errors: [], unknownFields: [] };
      const result = admitCustomResource({ schema, obj, ...(oldObj ? { oldObj } : {}), fieldValidation });
      return { obj: result.obj, errors: result.causes, unknownFields: result.unknownFields };
    },
    table: (objects, options) =>
      buildTable({
        columns: version.additionalPrinterColumns ?? [],
        objects,
        includeObject: options.includeObject,
        listMeta: options.listMeta ?? {},
        now: options.now,
      }),
  };
}

/** Every resource type a CRD serves (its served versions). */
export function customResourceTypes(crd: CustomResourceDefinition): ResourceType[] {
  return crd.spec.versions.filter((v) => v.served).map((v) => customResourceType(crd, v));
}
