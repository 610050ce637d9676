import { z } from 'zod';

const openObject = z.looseObject({});

/**
 * A profile's whole collected_data snapshot (API 4.0). The top-level keys Passfort
 * documents are typed; everything stays open, because Passfort adds keys by itself.
 */
export const collectedDataSchema = z.looseObject({
  entity_type: z.string().optional(),
  customer_ref: z.string().nullish(),
  documents: z.array(openObject).optional(),
  external_refs: z.unknown().optional(),
  personal_details: openObject.optional(),
  address_history: z.array(openObject).optional(),
  contact_details: openObject.optional(),
  ip_location: openObject.optional(),
  metadata: openObject.optional(),
  officers: z.unknown().optional(),
  ownership_structure: z.unknown().optional(),
  authorized_persons: z.array(openObject).optional(),
  filings: z.array(openObject).optional(),
  charity_data: z.unknown().optional(),
});

/** A collected_data snapshot as carried by the collected-data events. */
export type CollectedData = z.output<typeof collectedDataSchema>;
