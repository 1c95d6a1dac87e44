import { useEffect, useState } from 'react';

export function WindowWidth(): JSX.Element {
  const [width, setWidth] = useState(window.innerWidth);
  useEffect(() => {
    const onResize = () => setWidth(window.innerWidth);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  useEffect(() => {
    const id = setInterval(() => setWidth(window.innerWidth), 1000);
    return () => clearInterval(id);
  }, []);
  return <span>{width}</span>;
}
