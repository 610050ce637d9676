import { describe, expect, it } from 'vitest';
import { eventFactories } from '../../../testing/src/index.js';
import { checkCompletedSample, productStatusChangedSample } from '../../test/passfort-samples.js';
import type { DriftObservation } from '../observability/drift-report.js';
import { passfortEventNames } from './event-schemas.js';
import type { AnyPassfortEvent } from './passfort-event.js';
import { inspectDrift } from './schema-drift.js';

function drift(event: unknown): DriftObservation[] {
  const found: DriftObservation[] = [];
  inspectDrift(event as AnyPassfortEvent, (observation) => found.push(observation));
  return found;
}

describe('inspectDrift', () => {
  it("finds nothing in Passfort's own samples", () => {
    expect(drift(productStatusChangedSample())).toEqual([]);
    expect(drift(checkCompletedSample())).toEqual([]);
  });

  it('finds nothing in what the local Passfort sends for any documented event', () => {
    for (const name of passfortEventNames) {
      const data = (eventFactories[name] as () => unknown)();
      const event = { id: 'i', event: name, timestamp: 1, data };
      expect({ name, drift: drift(event) }).toEqual({ name, drift: [] });
    }
  });

  it('reports an enum value outside the documented ones, with the value and its path', () => {
    const sample = productStatusChangedSample();
    sample.data.new_status = 'ON_HOLD';
    expect(drift(sample)).toEqual([
      {
        event: 'PRODUCT_STATUS_CHANGED',
        kind: 'unknown-enum-value',
        path: 'data.new_status',
        value: 'ON_HOLD',
      },
    ]);
  });

  it('reports keys outside a documented object by path, never their values', () => {
    const sample = checkCompletedSample() as ReturnType<typeof checkCompletedSample> & {
      data: { check: Record<string, unknown>; risk_note?: string };
    };
    sample.data.risk_note = 'customer value that must not be kept';
    sample.data.check['flags'] = ['x'];
    const found = drift(sample);
    expect(found).toEqual([
      { event: 'CHECK_COMPLETED', kind: 'unknown-key', path: 'data.risk_note' },
      { event: 'CHECK_COMPLETED', kind: 'unknown-key', path: 'data.check.flags' },
    ]);
    expect(JSON.stringify(found)).not.toContain('customer value');
  });

  it('walks arrays, writing positions as []', () => {
    const found = drift({
      id: 'i',
      event: 'MANUAL_ACTION_REQUIRED',
      timestamp: 1,
      data: {
        actions: [
          { action_type: 'REVIEW', applications: [{ id: 'a', status: 'PAUSED', colour: 'red' }] },
        ],
      },
    });
    expect(found).toEqual([
      {
        event: 'MANUAL_ACTION_REQUIRED',
        kind: 'unknown-key',
        path: 'data.actions[].applications[].colour',
      },
      {
        event: 'MANUAL_ACTION_REQUIRED',
        kind: 'unknown-enum-value',
        path: 'data.actions[].applications[].status',
        value: 'PAUSED',
      },
    ]);
  });

  it('reports an unknown event name, and nothing about its payload', () => {
    expect(drift({ id: 'i', event: 'PROFILE_MERGED', timestamp: 1, data: { a: 1 } })).toEqual([
      { event: 'PROFILE_MERGED', kind: 'unknown-event' },
    ]);
  });

  it('stays quiet where Passfort documents no keys or only part of a list', () => {
    // TASK_CREATED documents no payload beyond the common keys: its other keys are no news.
    expect(drift({ id: 'i', event: 'TASK_CREATED', timestamp: 1, data: { task: {} } })).toEqual([]);
    // Check types: 3 of 21 are listed, so another type is no drift.
    const sample = checkCompletedSample();
    sample.data.check.check_type = 'COMPANY_FILINGS';
    expect(drift(sample)).toEqual([]);
    // The contents of collected_data's sections are not documented; its top-level keys are.
    const change = {
      id: 'i',
      event: 'COLLECTED_DATA_CHANGED',
      timestamp: 1,
      data: eventFactories.COLLECTED_DATA_CHANGED() as unknown as {
        new_data: Record<string, unknown>;
      },
    };
    (change.data.new_data['personal_details'] as Record<string, unknown>)['nickname'] = 'x';
    change.data.new_data['tax_residency'] = 'GB';
    expect(drift(change)).toEqual([
      {
        event: 'COLLECTED_DATA_CHANGED',
        kind: 'unknown-key',
        path: 'data.new_data.tax_residency',
      },
    ]);
  });

  it('cuts long names and values, so drift cannot carry data out', () => {
    const sample = productStatusChangedSample() as ReturnType<typeof productStatusChangedSample> & {
      data: Record<string, unknown>;
    };
    sample.data.new_status = 'S'.repeat(500);
    sample.data['K'.repeat(500)] = 1;
    for (const observation of drift(sample)) {
      expect((observation.path ?? '').length).toBeLessThanOrEqual('data.'.length + 64);
      expect((observation.value ?? '').length).toBeLessThanOrEqual(64);
    }
    expect(
      drift({ id: 'i', event: 'E'.repeat(300), timestamp: 1, data: {} })[0]!.event,
    ).toHaveLength(64);
  });

  it('ignores values of the wrong type (validation reports those) and prototype keys', () => {
    const sample = productStatusChangedSample() as unknown as { data: Record<string, unknown> };
    sample.data['new_status'] = 7;
    sample.data['product'] = 'not an object';
    expect(drift(sample)).toEqual([]);
    const parsed = JSON.parse(
      '{"id":"i","event":"CHECK_COMPLETED","timestamp":1,"data":{"check":{"id":"c"}}}',
    );
    expect(drift(parsed)).toEqual([]);
  });
});
