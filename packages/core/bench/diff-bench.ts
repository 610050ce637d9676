/**
 * diffCollectedData against microdiff on the same pair of ~20 KB collected_data snapshots
 * (an individual with addresses, documents and checks, and a handful of changes).
 */

import { diffCollectedData } from '@passfort-webhooks/core/sync';
import microdiff from 'microdiff';

function snapshot(variant: number) {
  const documents = Array.from({ length: 44 }, (_, i) => ({
    id: `doc-${i}`,
    category: i % 2 === 0 ? 'PROOF_OF_IDENTITY' : 'PROOF_OF_ADDRESS',
    document_type: 'PASSPORT',
    number: `P${1000000 + i}`,
    issuing_country: 'GBR',
    expiry: `20${30 + (i % 9)}-01-01`,
    images: [{ id: `img-${i}`, image_type: 'FRONT', upload_date: '2024-05-01T10:00:00Z' }],
    extracted_data: {
      given_names: ['Ada'],
      family_name: 'Lovelace',
      dob: '1815-12-10',
      nationality: 'GBR',
    },
  }));
  const addresses = Array.from({ length: 24 }, (_, i) => ({
    address: {
      type: 'STRUCTURED',
      country: 'GBR',
      postal_code: `SW1Y ${i}AA`,
      locality: 'London',
      route: 'St James Square',
      street_number: String(10 + i),
      original_freeform_address: `${10 + i} St James Square, London`,
    },
    start_date: `20${10 + i}-01`,
    end_date: `20${11 + i}-01`,
  }));
  const data = {
    entity_type: 'INDIVIDUAL',
    customer_ref: 'cust-42',
    personal_details: {
      name: { title: 'Ms', given_names: ['Ada', 'Augusta'], family_name: 'Lovelace' },
      dob: '1815-12-10',
      nationality: 'GBR',
      gender: 'F',
      national_identity_number: { GBR: 'QQ123456C' },
    },
    contact_details: { email: 'ada@example.com', phone_number: '+44 20 7946 0000' },
    address_history: addresses,
    documents,
    ip_location: { ip_address: '81.2.69.160', country: 'GBR', continent: 'Europe' },
    external_refs: { generic: `ext-${variant}` },
  };
  if (variant >= 1) {
    data.personal_details.name.family_name = 'King';
    data.contact_details.email = 'ada@lovelace.org';
    data.documents[3]!.number = 'P9999999';
    data.address_history[5]!.address.postal_code = 'W1A 1AA';
  }
  if (variant === 2) {
    // Passfort returned the documents in another order, and one was added.
    data.documents.reverse();
    data.documents.push({ ...data.documents[0]!, id: 'doc-new' });
  }
  return data;
}

function timePair(label: string, before: object, after: object, iterations: number) {
  const time = (run: () => unknown) => {
    for (let i = 0; i < 1000; i++) run(); // warm-up
    const start = performance.now();
    for (let i = 0; i < iterations; i++) run();
    return iterations / ((performance.now() - start) / 1000);
  };
  // Alternate and keep the best of three rounds each, so drift hits both alike.
  let ours = 0;
  let theirs = 0;
  for (let round = 0; round < 3; round++) {
    ours = Math.max(
      ours,
      time(() => diffCollectedData(before, after)),
    );
    theirs = Math.max(
      theirs,
      time(() => microdiff(before, after)),
    );
  }
  console.log(`  ${label}`);
  console.log(
    `    diffCollectedData: ${Math.round(ours).toLocaleString('en')} diffs/s (${diffCollectedData(before, after).length} changes: Passfort's keys ignored, documents by id)`,
  );
  console.log(
    `    microdiff:         ${Math.round(theirs).toLocaleString('en')} diffs/s (${microdiff(before, after).length} changes)`,
  );
  console.log(`    ratio:             ${(ours / theirs).toFixed(2)}`);
  return { ours, microdiff: theirs };
}

export function runDiffBench(quick: boolean): { ours: number; microdiff: number } {
  const iterations = quick ? 2_000 : 50_000;
  const before = snapshot(0);
  console.log(
    `\nDiff of two ${(JSON.stringify(before).length / 1024).toFixed(1)} KB collected_data snapshots, ${iterations.toLocaleString('en')} diffs per round, best of 3 alternating rounds`,
  );
  const same = timePair(
    'same document order (equal work for both)',
    before,
    snapshot(1),
    iterations,
  );
  timePair('documents reordered and one added', before, snapshot(2), iterations);
  return same;
}
