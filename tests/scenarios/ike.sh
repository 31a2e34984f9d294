#!/bin/sh
# The IPsec endpoint (wan/ike.c) against an outside implementation:
# tshark's dissectors read a capture of an exchange that the unit test
# writes (test_ike's capture test with SB_IKE_PCAP set): IKE_SA_INIT and
# IKE_AUTH dissect as IKEv2; with the IKE SA's keys in tshark's IKEv2
# decryption table the SK payloads decrypt and their ICVs check (so our
# SKEYSEED, prf+ and RFC 5282 framing agree with it); with the child SA's
# keys in its ESP SA table the ESP packets decrypt to the inner IPv4/UDP
# packets with next header 4 (so KEYMAT and RFC 4106 agree).
# Skipped (77) without tshark or without the unit test (no Check).
. "$(dirname "$0")/lib.sh"

: "${TSHARK:=$(command -v tshark)}"
unit="$(dirname "$SASEBED")/tests/unit/test_ike"
if [ -z "$TSHARK" ] || [ ! -x "$unit" ]; then
	echo "tshark or tests/unit/test_ike missing: not checked"
	exit 77
fi
SB_IKE_PCAP="$TMP" CK_RUN_CASE=core CK_VERBOSITY=silent "$unit" \
	&& pass || fail "test_ike"
[ -s "$TMP/ike.pcap" ] && pass || fail "no capture written"

read -r spii spir skei sker < "$TMP/ikev2_decryption_table"
ikev2="uat:ikev2_decryption_table:$spii,$spir,$skei,$sker,\"AES-GCM-128 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\""
set -- $(cat "$TMP/esp_sa")
gcm='"AES-GCM with 16 octet ICV [RFC4106]"'
esp1="uat:esp_sa:\"IPv4\",\"$1\",\"$2\",\"$3\",$gcm,\"0x$4\",\"NULL\",\"\""
esp2="uat:esp_sa:\"IPv4\",\"$5\",\"$6\",\"$7\",$gcm,\"0x$8\",\"NULL\",\"\""
ts() { "$TSHARK" -r "$TMP/ike.pcap" "$@" 2>/dev/null; }
count() { ts "$@" | wc -l; }
# tsk ARGS: with every key, lines counted; tskv: printed
tskv() {
	ts -o "$ikev2" -o esp.enable_encryption_decode:TRUE \
	    -o "$esp1" -o "$esp2" "$@"
}
tsk() { tskv "$@" | wc -l; }

# the clear part: IKE_SA_INIT both ways with our proposal and KE
init=$(count -Y 'isakmp.exchangetype == 34')
[ "$init" -eq 2 ] && pass || fail "expected 2 IKE_SA_INIT messages, saw $init"
prop=$(count -Y 'isakmp.exchangetype == 34 && isakmp.tf.id.encr == 20 && isakmp.tf.id.prf == 5 && isakmp.tf.id.dh == 19 && isakmp.key_exchange.dh_group == 19 && isakmp.nonce')
[ "$prop" -eq 2 ] && pass || fail "IKE_SA_INIT: proposal, KE or nonce not dissected ($prop of 2)"
auth=$(count -Y 'isakmp.exchangetype == 35')
[ "$auth" -eq 2 ] && pass || fail "expected 2 IKE_AUTH messages, saw $auth"
# without keys nothing inside shows; with them IDs, AUTH, the ESP
# proposal and the traffic selectors do, and every ICV checks
plain=$(count -Y 'isakmp.id.type')
[ "$plain" -eq 0 ] && pass || fail "$plain IDs visible without keys"
ids=$(tsk -Y 'isakmp.exchangetype == 35 && isakmp.id.type == 2 && isakmp.auth.method == 2 && isakmp.prop.protoid == 3 && isakmp.ts.type == 7')
[ "$ids" -eq 2 ] && pass || fail "IKE_AUTH decrypted to IDs, AUTH, SA and TS in $ids of 2"
good=$(tskv -V -Y 'isakmp.exchangetype == 35 || isakmp.exchangetype == 37' | grep -c 'Integrity Checksum Data.*\[correct\]')
sk=$(count -Y 'isakmp.exchangetype == 35 || isakmp.exchangetype == 37')
echo "SK payloads $sk, ICVs correct $good"
[ "$sk" -ge 4 ] && [ "$good" -eq "$sk" ] && pass || fail "$good of $sk SK payloads checked by tshark"
# ESP: encrypted without keys, the inner packets with them
esp=$(count -Y esp)
inner=$(tsk -Y 'esp.pad_len && esp.protocol == 4 && ip.src == 10.0.1.2 && ip.dst == 10.0.2.2 && udp.dstport == 5001')
echo "ESP packets $esp, decrypted to inner UDP $inner"
[ "$esp" -eq 6 ] && pass || fail "expected 6 ESP packets, saw $esp"
[ "$inner" -eq 6 ] && pass || fail "$inner of 6 ESP packets decrypted to the inner packet"
none=$(count -Y 'udp.dstport == 5001')
[ "$none" -eq 0 ] && pass || fail "$none inner packets visible without keys"
finish
