import { PackageX } from 'lucide-react';
import { EmptyState } from './EmptyState';

/** For a settings page whose API this server does not have (an older portal). */
export function NotAvailable({ feature }: { feature: string }) {
  return (
    <EmptyState
      icon={<PackageX className="size-5" />}
      title={`${feature} is not available`}
      description="This Paddock server does not offer it yet. Update the portal to use it."
    />
  );
}
