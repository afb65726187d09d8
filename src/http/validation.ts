import { Ajv, type AnySchema } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * JSON bodies are validated strictly ("5" is not a number); query strings, params and
 * headers are text and get coerced. Each part has its own Ajv holding the shared schemas.
 */
export const schemaController = {
  compilersFactory: {
    buildValidator: (externalSchemas: unknown) => {
      const make = (coerceTypes: false | 'array') => {
        const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
        addFormats(ajv);
        for (const schema of Object.values((externalSchemas ?? {}) as Record<string, AnySchema>)) ajv.addSchema(schema);
        return ajv;
      };
      const body = make(false);
      const text = make('array');
      return ({ schema, httpPart }: { schema: AnySchema; httpPart?: string }) => (httpPart === 'body' ? body : text).compile(schema);
    },
  },
} as unknown as NonNullable<FastifyServerOptions['schemaController']>;
