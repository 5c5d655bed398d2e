import { inputClass } from '@/components/field';

/** The integration a records page is narrowed to, as a field of its GET form (in the URL). */
export function IntegrationFilter({ integrations, selected }: { integrations: Array<{ id: string; name: string }>; selected: string | undefined }) {
  return (
    <div>
      <label htmlFor="integration" className="block text-sm font-medium">Integration</label>
      <select id="integration" name="integration" defaultValue={selected ?? ''} className={inputClass}>
        <option value="">All of mine</option>
        {integrations.map((integration) => (
          <option key={integration.id} value={integration.id}>{integration.name}</option>
        ))}
      </select>
    </div>
  );
}
