/** The Parley logo at `size` pixels. */
export function Logo({ size = 56 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" role="img" aria-label="Parley logo">
      <defs>
        <linearGradient id="parley-g" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#4f7cff" />
          <stop offset="1" stopColor="#7b5cff" />
        </linearGradient>
      </defs>
      <path
        d="M12 8h40a8 8 0 0 1 8 8v24a8 8 0 0 1-8 8H30l-12 10v-10h-6a8 8 0 0 1-8-8V16a8 8 0 0 1 8-8z"
        fill="url(#parley-g)"
      />
      <rect x="24" y="26" width="16" height="13" rx="3" fill="#fff" />
      <path d="M27 26v-4a5 5 0 0 1 10 0v4" stroke="#fff" strokeWidth="3" fill="none" />
    </svg>
  );
}
