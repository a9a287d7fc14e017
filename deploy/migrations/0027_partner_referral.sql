-- 0027_partner_referral.sql - what other bodies are told over the bus (N2)
-- besides the contribution requests of 0009: the complaint sent on to the
-- body that now handles or leads it (a referral: I5a, R2), and the final
-- response of a coordinated complaint to each partner party to it (R3); and
-- the letter asking for the patient's consent, asked for once (R2, N1).

-- A referral or a final response has no due date; its body (jsonb) holds the
-- rest of the PartnerMessage (api.proto), as a contribution request's does.
ALTER TABLE intake.partner_message DROP CONSTRAINT partner_message_kind_check;
ALTER TABLE intake.partner_message ADD CONSTRAINT partner_message_kind_check
  CHECK (kind IN ('contribution-request', 'contribution-chase', 'referral', 'final-response'));
ALTER TABLE intake.partner_message ALTER COLUMN due DROP NOT NULL;
ALTER TABLE intake.partner_message ADD CONSTRAINT partner_message_due_check
  CHECK ((due IS NOT NULL) = (kind IN ('contribution-request', 'contribution-chase')));
-- One referral and one final response per body and complaint: an event
-- repeated under a new id adds nothing (a resent one is the inbox's).
CREATE UNIQUE INDEX partner_message_once ON intake.partner_message (org_id, reference, kind)
  WHERE kind IN ('referral', 'final-response');

-- R2: the consent-request letter is asked for the first time the complaint
-- waits for consent, never again (consent that does not cover the body, an
-- amendment, hold it again).
ALTER TABLE routing.complaint ADD COLUMN consent_asked boolean NOT NULL DEFAULT false;
