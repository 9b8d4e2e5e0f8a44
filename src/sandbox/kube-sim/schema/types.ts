/**
 * The apiextensions.k8s.io/v1 shapes kube-sim reads: a CustomResourceDefinition and the structural
 * subset of JSON Schema its versions carry. Field names and JSON spelling follow the real API
 * (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types.go, types_jsonschema.go), so a CRD
 * manifest from `deploy/` parses into these types unchanged.
 */

/** One `x-kubernetes-validations` rule: a CEL expression evaluated with `self` bound to the node. */
export interface ValidationRule {
  rule: string;
  message?: string;
  /** CEL expression evaluating to the failure message; takes precedence over `message`. */
  messageExpression?: string;
  /** `FieldValueInvalid` (default), `FieldValueForbidden`, `FieldValueRequired` or `FieldValueDuplicate`. */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** Relative JSONPath (`.spec.x`, `['a.b']`) the failure is reported at, below the rule's node. */
  fieldPath?: string;
  /** Evaluate the transition rule on create too, with `oldSelf` an optional (`oldSelf.hasValue()`). */
  optionalOldSelf?: boolean;
}

/** The structural JSON Schema subset CRDs accept (OpenAPI v3 with Kubernetes extensions). */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  title?: string;
  nullable?: boolean;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  pattern?: string;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  minItems?: number;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  properties?: Record<string, JSONSchemaProps>;
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

/** A `kubectl get` column of a CRD version, evaluated server-side into Table cells. */
export interface AdditionalPrinterColumn {
  name: string;
  /** `integer`, `number`, `string`, `boolean` or `date`. */
  type: string;
  format?: string;
  description?: string;
  /** 0 shows in `kubectl get`; higher only with `-o wide`. */
  priority?: number;
  /** Kubernetes JSONPath without braces, e.g. `.status.phase`. */
  jsonPath: string;
}

/** One version of a CRD (`spec.versions[]`). */
export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: {
    status?: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: AdditionalPrinterColumn[];
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition, as much as kube-sim uses. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; [key: string]: unknown };
  spec: {
    group: string;
    names: {
      plural: string;
      singular?: string;
      kind: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: CustomResourceDefinitionVersion[];
    preserveUnknownFields?: boolean;
  };
  status?: Record<string, unknown>;
}
