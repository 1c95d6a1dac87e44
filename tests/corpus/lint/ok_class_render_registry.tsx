// Look-alikes: registration inside the effect, or only where effects run.
import { useEffect, useId } from 'react';

const mounted = new Map<string, () => void>();
const visible = new Map<string, () => void>();

export function useRegistration(onFocus: () => void): string {
  const id = useId();
  useEffect(() => {
    mounted.set(id, onFocus);
    return () => {
      mounted.delete(id);
    };
  }, [id, onFocus]);
  return id;
}

export function useVisibility(onShow: () => void): string {
  const id = useId();
  if (typeof window !== 'undefined') {
    visible.set(id, onShow);
  }
  useEffect(() => () => {
    visible.delete(id);
  }, [id]);
  return id;
}
