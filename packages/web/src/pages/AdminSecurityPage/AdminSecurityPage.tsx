import { PageHeader } from '../../components/PageHeader';
import { SecurityDashboard } from '../../modules/security/SecurityDashboard';

/** Admin → Security: who is connected now, what the allowlist refused, and who holds which powers. */
export function AdminSecurityPage() {
  return (
    <>
      <PageHeader title="Security" description="Who is connected right now, what the IP allowlist refused, and who may do what." />
      <SecurityDashboard />
    </>
  );
}
