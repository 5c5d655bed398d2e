/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite loads its WebAssembly and data files from its own package folder at run time,
  // so it must stay an external package rather than be bundled.
  // pino and prom-client hold one logger and one metrics registry per process: never a copy per route.
  // janode (the media server's client) loads from its package: its Unix-socket transport needs a
  // native module that is never built here, and is never used.
  serverExternalPackages: ['@electric-sql/pglite', 'sharp', 'pg', 'bcryptjs', 'argon2', 'pino', 'prom-client', 'janode'],
  poweredByHeader: false,
  // Logos arrive through a server action; 2 MB of file plus the multipart envelope.
  experimental: { serverActions: { bodySizeLimit: '3mb' }, authInterrupts: true },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'X-Frame-Options', value: 'SAMEORIGIN' },
        ],
      },
    ];
  },
};

export default nextConfig;
