-- Wireshark/tshark: show what a sasebed tunnel carries.  Once the key log
-- has decrypted a DTLS application record, its payload is either an IP
-- packet (first nibble 4 or 6) or a tunnel control message (first byte
-- below 0x40: 1 keepalive, 2 keepalive reply, then an 8-byte id).
--
--   tshark -X lua_script:sasebed.lua -d udp.port==443,dtls \
--          -o tls.keylog_file:keys.log -r LINK.pcap
local p = Proto("sasebed", "sasebed tunnel")
local f_type = ProtoField.uint8("sasebed.control", "Control", base.DEC,
	{ [1] = "keepalive", [2] = "keepalive reply" })
local f_id = ProtoField.uint64("sasebed.id", "Id")
p.fields = { f_type, f_id }

local ip = Dissector.get("ip")
local ipv6 = Dissector.get("ipv6")

local function inner(tvb, pinfo, tree)
	if tvb:len() < 1 then return false end
	local b = tvb(0, 1):uint()
	local v = math.floor(b / 16)
	if v == 4 then ip:call(tvb, pinfo, tree) return true end
	if v == 6 then ipv6:call(tvb, pinfo, tree) return true end
	if (b == 1 or b == 2) and tvb:len() == 9 then
		local t = tree:add(p, tvb())
		t:add(f_type, tvb(0, 1))
		t:add(f_id, tvb(1, 8))
		pinfo.cols.protocol = "sasebed"
		pinfo.cols.info = b == 1 and "Keepalive" or "Keepalive reply"
		return true
	end
	return false
end

p:register_heuristic("dtls", inner)

-- Null-cipher tunnels send their data records in epoch 0, in clear, which
-- Wireshark lists as application data it cannot decrypt; hand those to
-- the same reader after the fact.
local f_epoch = Field.new("dtls.record.epoch")
local f_app = Field.new("dtls.app_data")
local clear = Proto("sasebed_null", "sasebed null-cipher record")

function clear.dissector(tvb, pinfo, tree)
	local e, a = f_epoch(), f_app()
	if e == nil or a == nil or e.value ~= 0 then return end
	inner(a.range:tvb(), pinfo, tree)
end

register_postdissector(clear)
