import { useEffect } from 'react';

/** Each page names itself (screen readers and tabs read the title). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Redemption`;
  }, [title]);
}
