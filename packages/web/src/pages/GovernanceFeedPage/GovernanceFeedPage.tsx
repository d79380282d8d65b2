import { PageHeader } from '../../components/PageHeader';
import { GovernanceFeed } from '../../modules/governance/GovernanceFeed';

/** Every agent action the enforcement points decide, as it happens. */
export function GovernanceFeedPage() {
  return (
    <>
      <PageHeader
        title="Agent activity"
        description="Every action agents take, live: what they asked, and what the policy said. In monitor mode nothing is blocked, so a deny reads “Would deny”."
      />
      <GovernanceFeed />
    </>
  );
}
