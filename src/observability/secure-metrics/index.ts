/**
 * `/metrics` over HTTPS for authorized scrapers only: authentication and authorization delegated to
 * the Kubernetes API server (docs/metrics.md, "Secure metrics").
 */
export {
  DelegatedAuth,
  protectedRoute,
  type AuthDecision,
  type DelegatedAuthOptions,
} from './delegated-auth.ts';
export { servingCertificate, type ServingCertificateFiles } from './serving-certificate.ts';
