import { generate } from 'otplib';
import { PDFParse } from 'pdf-parse';
import { type CreatedStaff, createStaff } from '../../src/domain/school/staff.js';
import { deriveSecret, SecretBox } from '../../src/domain/secrets.js';
import type { HttpBrowser, Page } from './browser.js';
import type { TestIdp } from './idp.js';

/** A staff account made as `educonnect staff create` does, on the test IdP's database. */
export function createTestStaff(idp: TestIdp, identifier: string, uais: string[]): Promise<CreatedStaff> {
  return createStaff(
    idp.database.db,
    idp.idp.services.hasher,
    new SecretBox(deriveSecret(idp.config.secretKey, 'staff-totp')),
    { identifier, displayName: `Personnel ${identifier}`, uais },
  );
}

/** The current code of the staff member's authenticator application. */
export function totpCode(staff: CreatedStaff): Promise<string> {
  return generate({ secret: staff.totpSecret });
}

/** Signs in to /etablissement with the password and the TOTP code; returns the page reached. */
export async function signInStaff(browser: HttpBrowser, baseUrl: string, staff: CreatedStaff): Promise<Page> {
  const form = await browser.get(`${baseUrl}/etablissement/connexion`);
  const second = await browser.submit(form, '/etablissement/connexion', {
    identifier: staff.identifier,
    password: staff.password,
  });
  return browser.submit(second, '/etablissement/verification', { code: await totpCode(staff) });
}

/** The text of a PDF, as a person copying it would read it. */
export async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const parser = new PDFParse({ data: bytes });
  try {
    const result = await parser.getText();
    return { text: result.text, pages: result.total };
  } finally {
    await parser.destroy();
  }
}
