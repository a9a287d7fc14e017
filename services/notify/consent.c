/* consent.c - the letter asking a patient's consent to a complaint made for
 * them (I2, R2; letters.h). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "letters.h"

char *nt_render_consent_request(const Candour__V1__Person *to,
                                const Candour__V1__Person *complainant, const char *reference,
                                const char *today)
{
    char *open = nt_letter_opening(to, reference, today);
    if (!open)
        return NULL;
    int to_patient = complainant && complainant != to && strcmp(complainant->name, to->name) != 0;
    char *out = NULL;
    int n;
    if (to_patient)
        n = asprintf(
            &out,
            "%s%s has made a complaint to us on your behalf about care you received.\n\n"
            "Before we can look into it, we need your consent. We need to know that you are"
            " happy for %s to make this complaint for you, and for us to share information"
            " about your care with them, and with the other NHS bodies we may need to ask, so"
            " that we can answer it.\n\n"
            "Please tell us whether you agree, by writing to us or calling us, quoting the"
            " reference above. You can agree to all of it, or only to some: for example, you"
            " can ask us to look into the complaint but to send our response to you alone.\n\n"
            "Nothing about your care will be shared until we hear from you. If we do not hear"
            " from you, we will not be able to look into the complaint as it was made, but you"
            " can always make a complaint yourself.\n\n"
            "You can get free, independent help from an NHS complaints advocate. Your local"
            " council can tell you who provides advocacy in your area.\n\n"
            "Yours sincerely,\n\nThe Complaints Team\n",
            open, complainant->name, complainant->name);
    else
        n = asprintf(
            &out,
            "%sThank you for your complaint, made on behalf of someone else.\n\n"
            "Because the complaint is about another person's care, we need their consent before"
            " we can look into it and share information about their care with you. Please ask"
            " them to write to us, or to sign a short note saying they agree to you making the"
            " complaint for them and to us sharing what we find with you, and send it to us"
            " quoting the reference above.\n\n"
            "If they cannot give consent (for example, because they lack the capacity to"
            " decide), please tell us, and we will explain how we can still consider your"
            " concerns.\n\n"
            "Nothing about their care will be shared until we have their consent.\n\n"
            "Yours sincerely,\n\nThe Complaints Team\n",
            open);
    free(open);
    return n < 0 ? NULL : out;
}
