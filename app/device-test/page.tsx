import { eq } from 'drizzle-orm';
import { db } from '@/lib/db';
import { integrations } from '@/lib/db/schema';
import { deviceTestSession } from '@/lib/device-test/session';
import { primaryIntegration } from '@/lib/settings/store';
import { PatientLanguage } from '@/components/patient/patient-language';
import { DeviceTest } from './device-test';

export const metadata = { title: 'Test your camera, microphone and speakers' };

// Reached from a launch link with &mode=devicetest (its cookie says which integration), or plainly.
export default async function DeviceTestPage() {
  const session = await deviceTestSession();
  const database = await db();
  const [launched] = session
    ? await database.select({ deviceTestHelpUrl: integrations.deviceTestHelpUrl }).from(integrations).where(eq(integrations.id, session.integrationId))
    : [];
  const integration = launched ?? (await primaryIntegration(database));
  return (
    <PatientLanguage>
      <DeviceTest helpUrl={webUrl(integration?.deviceTestHelpUrl)} reportsToClinic={Boolean(session)} />
    </PatientLanguage>
  );
}

/** The settings accept only http(s) URLs; checked again because this one becomes a link. */
function webUrl(value: string | null | undefined): string | null {
  return value && /^https?:\/\/[^\s]+$/i.test(value) ? value : null;
}
