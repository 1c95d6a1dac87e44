// A hook that registers during render and unregisters only in an effect's cleanup.
import { useEffect, useId } from 'react';

const mounted = new Map<string, () => void>();

export function useRegistration(onFocus: () => void): string {
  const id = useId();
  mounted.set(id, onFocus); // expect: module-collection-growth
  useEffect(() => () => {
    mounted.delete(id);
  }, [id]);
  return id;
}
