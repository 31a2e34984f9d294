-- Wireshark/tshark: show what a sasebed tunnel carries.  Once the key log
-- has decrypted a DTLS application record, its payload is either an IP
-- packet (first nibble 4 or 6) or a tunnel control message (first byte
-- below 0x40: 1 keepalive, 2 keepalive reply, then an 8-byte id; 3 probe,
-- 4 probe reply, then a 4-byte sequence number and the answerer's 4-byte
-- counts of probes received and sent, from which the Socket reads loss
-- one way and the other).
--
--   tshark -X lua_script:sasebed.lua -d udp.port==443,dtls \
--          -o tls.keylog_file:keys.log -r LINK.pcap
local p = Proto("sasebed", "sasebed tunnel")
local f_type = ProtoField.uint8("sasebed.control", "Control", base.DEC,
	{ [1] = "keepalive", [2] = "keepalive reply", [3] = "probe",
	  [4] = "probe reply" })
local f_id = ProtoField.uint64("sasebed.id", "Id")
local f_seq = ProtoField.uint32("sasebed.probe.seq", "Probe sequence")
local f_rx = ProtoField.uint32("sasebed.probe.rx", "Probes received")
local f_tx = ProtoField.uint32("sasebed.probe.tx", "Probes sent")
p.fields = { f_type, f_id, f_seq, f_rx, f_tx }
local names = { "Keepalive", "Keepalive reply", "Probe", "Probe reply" }

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
		pinfo.cols.info = names[b]
		return true
	end
	if (b == 3 or b == 4) and tvb:len() == 13 then
		local t = tree:add(p, tvb())
		t:add(f_type, tvb(0, 1))
		t:add(f_seq, tvb(1, 4))
		t:add(f_rx, tvb(5, 4))
		t:add(f_tx, tvb(9, 4))
		pinfo.cols.protocol = "sasebed"
		pinfo.cols.info = names[b] .. " " .. tvb(1, 4):uint()
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
