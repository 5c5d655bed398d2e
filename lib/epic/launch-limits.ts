// The limits of Epic's launch fields (docs/epic-contract.md, section 1), shared by the launch token
// reader, the settings schema and the sample link form. No Node.js imports: forms use it too.

/** Epic documents 1 to 43200 minutes (30 days); 0 means the link never expires. */
export const LINK_VALIDITY_MAX_MINUTES = 43_200;

/** Longest value accepted for any field: every real one is far shorter. */
export const LAUNCH_FIELD_MAX_LENGTH = 256;
