import { useState } from 'react';

export function App() {
  const [count, setCount] = useState(0);
  return (
    <main style={{ fontFamily: 'system-ui', maxWidth: '40rem', margin: '4rem auto' }}>
      <h1>Hello from React + Vite</h1>
      <button onClick={() => setCount((c) => c + 1)}>Clicked {count} times</button>
      <p>Edit <code>src/App.jsx</code>; the preview reloads by itself.</p>
    </main>
  );
}
