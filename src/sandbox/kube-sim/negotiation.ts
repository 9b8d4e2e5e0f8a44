import { notAcceptable } from './errors.ts';

/**
 * Content negotiation as far as kube-sim goes: JSON (and YAML) objects, and the Table and
 * PartialObjectMetadata transformations asked for with `as=...;g=meta.k8s.io;v=v1` parameters.
 * Protobuf and aggregated discovery are not offered, so clients fall back to JSON and legacy
 * discovery, as they do with older servers.
 */

export type Rendering = 'object' | 'table' | 'metadata';

export interface Negotiated {
  rendering: Rendering;
  /** The response media type. */
  mediaType: 'application/json' | 'application/yaml';
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      return {
        type: type.toLowerCase(),
        params: new Map(
          params.map((p) => {
            const eq = p.indexOf('=');
            return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as [string, string];
          }),
        ),
      };
    });
}

function accepts(range: MediaRange): Negotiated | undefined {
  const mediaType =
    range.type === 'application/json' || range.type === '*/*' || range.type === 'application/*'
      ? 'application/json'
      : range.type === 'application/yaml'
        ? 'application/yaml'
        : undefined;
  if (mediaType === undefined) return undefined;
  const as = range.params.get('as');
  if (as === undefined) return { rendering: 'object', mediaType };
  if (range.params.get('g') !== 'meta.k8s.io' || !['v1', 'v1beta1'].includes(range.params.get('v') ?? ''))
    return undefined;
  if (as === 'Table') return { rendering: 'table', mediaType };
  if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList')
    return { rendering: 'metadata', mediaType };
  return undefined;
}

/** Picks the first acceptable rendering of an `Accept` header; 406 when there is none. */
export function negotiate(accept: string | undefined): Negotiated {
  if (accept === undefined || accept.trim() === '')
    return { rendering: 'object', mediaType: 'application/json' };
  for (const range of parseAccept(accept)) {
    const result = accepts(range);
    if (result !== undefined) return result;
  }
  throw notAcceptable();
}
