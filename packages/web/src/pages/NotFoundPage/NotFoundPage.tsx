import { Link } from '@tanstack/react-router';
import { Compass } from 'lucide-react';
import { EmptyState } from '../../components/EmptyState';
import { PageContainer } from '../../components/PageContainer';

export function NotFoundPage() {
  return (
    <PageContainer>
      <EmptyState
        icon={<Compass className="size-5" />}
        title="Page not found"
        description="There is nothing at this address."
        action={
          <Link to="/" className="text-sm font-medium text-zinc-900 underline underline-offset-4">
            Go to Blueprints
          </Link>
        }
      />
    </PageContainer>
  );
}
