import { useCallback, useEffect, useRef, useState } from 'react';
import { useLayoutEffect } from './useLayoutEffect';
import { canUseDOM, useSSRSafeId } from '@react-aria/ssr';

let idsUpdaterMap: Map<string, (v: string) => void> = new Map();

/**
 * If a default is not provided, generate an id. Runs for every component that needs an id,
 * on the server for every page rendered.
 */
export function useId(defaultId?: string): string {
  let [value, setValue] = useState(defaultId);
  let nextId = useRef(null);

  let res = useSSRSafeId(value);
  let updateValue = useCallback((val) => {
    nextId.current = val;
  }, []);

  if (canUseDOM) {
    idsUpdaterMap.set(res, updateValue);
  }

  // useLayoutEffect never runs during server rendering
  useLayoutEffect(() => {
    let r = res;
    return () => {
      idsUpdaterMap.delete(r);
    };
  }, [res]);

  useEffect(() => {
    let newId = nextId.current;
    if (newId) {
      nextId.current = null;
      setValue(newId);
    }
  });
  return res;
}

export function mergeIds(idA: string, idB: string): string {
  if (idA === idB) return idA;
  let setIdA = idsUpdaterMap.get(idA);
  if (setIdA) {
    setIdA(idB);
    return idB;
  }
  let setIdB = idsUpdaterMap.get(idB);
  if (setIdB) {
    setIdB(idA);
    return idA;
  }
  return idB;
}
