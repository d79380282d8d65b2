import { queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import { DEFAULT_ACCENT_COLOR, DEFAULT_PORTAL_NAME, DEFAULT_WELCOME, type Branding, type BrandingAssetSlot, type PutBrandingRequest } from '@paddock/protocol';
import { api } from './client';

export const brandingQueryKey = ['branding'] as const;

/** Paddock's own brand, shown until the portal's answers (and if it can't be read). */
export const DEFAULT_BRANDING: Branding = { name: DEFAULT_PORTAL_NAME, accentColor: DEFAULT_ACCENT_COLOR, welcome: { ...DEFAULT_WELCOME } };

/** The portal's brand: public, read before anyone signs in. */
export function brandingQuery() {
  return queryOptions({
    queryKey: brandingQueryKey,
    queryFn: ({ signal }) => api.get<Branding>('/api/v1/branding', signal),
    staleTime: 5 * 60_000,
  });
}

/** The brand to show now: the portal's once known, Paddock's until then. The welcome is the builder home's. */
export function useBranding(): Branding {
  return useQuery(brandingQuery()).data ?? DEFAULT_BRANDING;
}

export function putBrandingMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: PutBrandingRequest) => api.put<Branding>('/api/v1/admin/branding', body),
    onSuccess: (branding: Branding) => queryClient.setQueryData(brandingQueryKey, branding),
  };
}

/** Uploads an image as its raw bytes, with the type the browser gives the file; the portal checks what it really is. */
export function uploadBrandingAssetMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ slot, file }: { slot: BrandingAssetSlot; file: File }) => api.putFile<Branding>(`/api/v1/admin/branding/${slot}`, file),
    onSuccess: (branding: Branding) => queryClient.setQueryData(brandingQueryKey, branding),
  };
}

export function deleteBrandingAssetMutation(queryClient: QueryClient) {
  return {
    mutationFn: (slot: BrandingAssetSlot) => api.delete<Branding>(`/api/v1/admin/branding/${slot}`),
    onSuccess: (branding: Branding) => queryClient.setQueryData(brandingQueryKey, branding),
  };
}
