import { inputClass } from '@/components/field';

/** A field of a filter form: grows from a width its label and value fit in, wraps rather than squeeze. */
export const FILTER_FIELD = 'min-w-0 flex-[1_1_11rem]';
/** The search box: wide enough for a whole meeting ID. */
export const SEARCH_FIELD = 'min-w-0 flex-[2_1_22rem]';
/** A filter form's box. */
export const FILTER_FORM = 'mb-4 flex flex-wrap items-end gap-3 rounded-lg bg-white p-4 shadow';

/** The integration a records page is narrowed to, as a field of its GET form (in the URL). */
export function IntegrationFilter({ integrations, selected }: { integrations: Array<{ id: string; name: string; retiredAt?: Date | null }>; selected: string | undefined }) {
  return (
    <div className={FILTER_FIELD}>
      <label htmlFor="integration" className="block text-sm font-medium">Integration</label>
      <select id="integration" name="integration" defaultValue={selected ?? ''} className={inputClass}>
        <option value="">All of mine</option>
        {integrations.map((integration) => (
          <option key={integration.id} value={integration.id}>
            {integration.name}
            {integration.retiredAt ? ' (retired)' : ''}
          </option>
        ))}
      </select>
    </div>
  );
}
