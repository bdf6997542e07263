// Typed parse errors of the SIP message model. Callers classify by class, never by message text.

/** A SIP message or header value that does not follow RFC 3261 §25 closely enough to use. */
export class SipParseError extends Error {
  /**
   * @param header canonical (lower-case, long-form) name of the header at fault, if one is,
   *   so the server can answer "400 Bad <Header> Header".
   */
  constructor(
    message: string,
    readonly header?: string,
  ) {
    super(message);
    this.name = 'SipParseError';
  }
}

/** The start line carries a SIP version other than SIP/2.0: a server answers 505 (RFC 3261 §21.5.15). */
export class SipVersionError extends SipParseError {
  constructor(readonly version: string) {
    super(`unsupported SIP version ${JSON.stringify(version)}`);
    this.name = 'SipVersionError';
  }
}

/** A well-formed URI whose scheme we do not handle (not sip, sips or tel): 416 for a Request-URI (RFC 3261 §8.2.2.1). */
export class SipUnsupportedSchemeError extends SipParseError {
  constructor(
    readonly scheme: string,
    header?: string,
  ) {
    super(`unsupported URI scheme ${JSON.stringify(scheme)}`, header);
    this.name = 'SipUnsupportedSchemeError';
  }
}
