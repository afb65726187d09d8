import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * JSON bodies are validated strictly ("5" is not a number); query strings, params and
 * headers are text and get coerced. One Ajv per kind for the whole app: Fastify asks for a
 * compiler per plugin context, and building Ajv instances is the costliest part of start-up.
 */
export function createSchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
    addFormats(ajv);
    return ajv;
  };
  const body = make(false);
  const text = make('array');
  const known = new Set<string>();
  const serializers = SerializerSelector();
  return {
    compilersFactory: {
      /**
       * Response serializers are compiled on a route's first response instead of at start-up:
       * compiling all of them (fast-json-stringify) took ~0.8 s of every start, and a process
       * serves only some routes (a redirect-role process none).
       */
      buildSerializer: (externalSchemas: unknown, serializerOpts: unknown) => {
        const build = serializers(externalSchemas as never, serializerOpts as never);
        return (route: Parameters<typeof build>[0]) => {
          let compiled: ((data: unknown) => string) | null = null;
          return (data: unknown) => (compiled ??= build(route) as (data: unknown) => string)(data);
        };
      },
      buildValidator: (externalSchemas: unknown) => {
        for (const [id, schema] of Object.entries((externalSchemas ?? {}) as Record<string, AnySchema>)) {
          if (known.has(id)) continue;
          known.add(id);
          body.addSchema(schema);
          text.addSchema(schema);
        }
        // Compiled on a route part's first request, like the serializers: compiling every
        // route's schemas took ~0.35 s of each start. Fastify reads `errors` off the function.
        return ({ schema, httpPart }: { schema: AnySchema; httpPart?: string }) => {
          const ajv = httpPart === 'body' ? body : text;
          let compiled: ValidateFunction | null = null;
          const validate = (data: unknown): boolean => {
            compiled ??= ajv.compile(schema);
            const valid = compiled(data) as boolean;
            validate.errors = compiled.errors ?? null;
            return valid;
          };
          validate.errors = null as ValidateFunction['errors'];
          return validate;
        };
      },
    },
  } as unknown as NonNullable<FastifyServerOptions['schemaController']>;
}
