/* common/config.h: every configuration key of drl2move in one table.
 *
 * A key is one line of CONFIG_TABLE: section, name, type, default, min, max, choices, doc.
 *   type INT (int64), REAL (double, decimal only: no hexadecimal), BOOL (exactly true or false), STR (free text, <= 255 bytes),
 *   ENUM (one of `choices`, '|'-separated). min/max bound INT and REAL (inclusive).
 * The values live in cfg_t as fields named section_name (cfg.ppo_lr). Files are INI:
 *   [ppo]
 *   lr = 3e-4      # comment
 * Unknown section or key, wrong type, out-of-bound value and duplicate key are errors of the form
 *   file:line: section.key: what is wrong (allowed: ...)
 * cfg_t holds no pointers, so ranks share a resolved config by broadcasting its bytes.
 */
#ifndef D2M_CONFIG_H
#define D2M_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "common/log.h"

#define CFG_STR_MAX 256

/* X(section, name, type, default, min, max, choices, doc) */
#define CONFIG_TABLE(X) \
  X(run, seed, INT, "1", 0, 9.2e18, NULL, "master seed; rank r's streams derive from (seed, r, purpose, index), see common/rng.h") \
  X(run, log_level, ENUM, "info", 0, 0, "debug|info|warn|error", "log level (the environment variable D2M_LOG overrides it)") \
  X(run, total_steps, INT, "200000", 0, 9.2e18, NULL, "stop after this many environment (control) steps in total (0: no step budget, the time limit or a signal ends the run; set by a fresh --time-limit without --steps); --steps overrides") \
  X(run, time_limit_min, REAL, "0", 0, 1e7, NULL, "checkpoint and stop cleanly after this many minutes of wall time (0: no limit); --time-limit overrides") \
  X(run, runs_dir, STR, "runs", 0, 0, NULL, "parent folder of new run directories (--run-dir names one directly)") \
  X(run, checkpoint_every, INT, "20", 1, 1e9, NULL, "write a checkpoint every this many updates (and always at the end)") \
  X(run, keep_checkpoints, INT, "3", 1, 1000, NULL, "how many of the newest checkpoints to keep") \
  X(run, plots, BOOL, "true", 0, 0, NULL, "render the learning curves (gnuplot) into the run directory at the end") \
  X(env, task, ENUM, "stand", 0, 0, "stand|walk|imitate", "what the body is asked to do") \
  X(env, num_envs, INT, "8", 1, 4096, NULL, "environments stepped by each actor rank (policy runs on all at once)") \
  X(env, sim_dt, REAL, "0.0066666666666666671", 1e-4, 0.05, NULL, "MuJoCo timestep in s (KINESIS: 1/150 s)") \
  X(env, substeps, INT, "5", 1, 100, NULL, "MuJoCo steps per control step (control period = sim_dt * substeps: 30 Hz)") \
  X(env, action_mode, ENUM, "excitation", 0, 0, "excitation|muscle_pd|joint_so", "policy output: muscle excitations (sigmoid), target muscle lengths for a PD law, or target hinge angles whose PD torques static optimisation turns into muscle excitations (joint_so, Lee et al. 2019)") \
  X(env, subject, STR, "", 0, 0, NULL, "subject description file (height, mass, strength and tendon factors, contracture, spasticity, motor noise, observation delay, synergies: README, Impaired subjects); empty: the reference adult") \
  X(env, obs_subject, BOOL, "false", 0, 0, NULL, "add the 'subject' observation block: a compact vector of the body's parameters (README, Impaired subjects), so one policy can serve many bodies") \
  X(env, dr_strength_min, REAL, "1", 0, 10, NULL, "domain randomisation: each episode multiplies every muscle's peak force by a factor uniform in [dr_strength_min, dr_strength_max] (both 1: off)") \
  X(env, dr_strength_max, REAL, "1", 0, 10, NULL, "domain randomisation: upper end of the peak-force factor") \
  X(env, dr_reflex_gain_min, REAL, "0", 0, 100, NULL, "domain randomisation: each episode adds a spasticity gain uniform in [min, max] to every muscle (excitation per L0/s above the subject's threshold; both 0: off)") \
  X(env, dr_reflex_gain_max, REAL, "0", 0, 100, NULL, "domain randomisation: upper end of the added spasticity gain") \
  X(env, dr_obs_delay_min, INT, "0", 0, 30, NULL, "domain randomisation: each episode's observation delay in control steps, uniform over [min, max] (both 0: the subject file's obs_delay)") \
  X(env, dr_obs_delay_max, INT, "0", 0, 30, NULL, "domain randomisation: upper end of the observation delay (control steps)") \
  X(env, dr_mass_min, REAL, "1", 0.2, 5, NULL, "domain randomisation: each episode multiplies every body's mass and inertia by a factor uniform in [min, max] (both 1: off)") \
  X(env, dr_mass_max, REAL, "1", 0.2, 5, NULL, "domain randomisation: upper end of the mass factor") \
  X(env, dr_friction_min, REAL, "1", 0, 10, NULL, "domain randomisation: each episode multiplies every geom's sliding friction by a factor uniform in [min, max] (both 1: off)") \
  X(env, dr_friction_max, REAL, "1", 0, 10, NULL, "domain randomisation: upper end of the friction factor") \
  X(env, reset_noise, REAL, "0.02", 0, 0.5, NULL, "rad, uniform noise on joint angles at reset (stand, walk)") \
  X(env, fall_height_frac, REAL, "0.7", 0, 1, NULL, "a fall: pelvis lower than this fraction of its standing height") \
  X(env, fall_tilt_deg, REAL, "60", 0, 180, NULL, "a fall: pelvis tilted more than this from vertical (deg)") \
  X(env, push_force, REAL, "0", 0, 1e5, NULL, "N, horizontal pushes on the pelvis (0: none)") \
  X(env, push_interval, REAL, "2", 1e-3, 1e4, NULL, "s, mean time between pushes") \
  X(env, push_duration, REAL, "0.2", 0, 10, NULL, "s, duration of one push") \
  X(env, excitation_baseline, REAL, "0.05", 0.001, 0.999, NULL, "resting excitation: excitation mode starts the policy head's bias at logit(this) (0.5: zero bias), and act_preload sets activations to it") \
  X(env, actlimited, BOOL, "true", 0, 0, NULL, "muscle activations clamped to [0, 1] (MuJoCo actlimited): without it the explicit activation update at sim_dt 6.7 ms overshoots 1 under exploration noise") \
  X(env, foot_contact, ENUM, "myolegs", 0, 0, "myolegs|broad", "the feet's contact geoms: MyoLegs' own (two capsules in a V, their contact lines 2 cm apart at the heel and 6 cm at the forefoot), or broad: four spheres added at the medial and lateral edges of the heel (5 cm apart) and of the forefoot (8 cm), nearer an adult's heel (6-7 cm) and foot breadth (9-10 cm)") \
  X(env, act_preload, ENUM, "baseline", 0, 0, "zero|baseline", "muscle activations at reset: zero, or env.excitation_baseline (the level the initial policy drives)") \
  X(env, pd_kp, REAL, "5", 0, 1e4, NULL, "muscle_pd: stiffness, peak forces per unit normalised length") \
  X(env, pd_kd, REAL, "0.5", 0, 1e4, NULL, "muscle_pd: damping, peak forces per unit normalised velocity") \
  X(env, pd_centre, ENUM, "current", 0, 0, "current|pose|range", "muscle_pd: a zero action targets the muscle's current length (holds the pose), its length in the task's pose (stand.pose, walk's keyframe, imitate's reference frame: a stretch reflex toward it), or the middle of its length range") \
  X(env, pd_range, REAL, "0.5", 0, 1, NULL, "muscle_pd with pd_centre current or pose: the largest target offset the action gives, a fraction of the muscle's normalised length range") \
  X(env, pd_every_substep, BOOL, "true", 0, 0, NULL, "muscle_pd: re-evaluate the PD law before every MuJoCo step (KINESIS) rather than once per control step") \
  X(env, jso_kp, REAL, "100", 0, 1e5, NULL, "joint_so: PD stiffness of the desired hinge torque (N m/rad)") \
  X(env, jso_kd, REAL, "10", 0, 1e4, NULL, "joint_so: PD damping of the desired hinge torque (N m s/rad)") \
  X(env, jso_range, REAL, "0.5", 0, 3.2, NULL, "joint_so: the largest hinge target offset from the centre pose the action gives, range tanh(action) (rad)") \
  X(env, jso_limit_margin, REAL, "-1", -1, 90, NULL, "joint_so: hinge targets kept this many degrees inside each hinge's range (a target past an anatomical stop has the muscles press the joint onto it); negative: targets not clamped") \
  X(env, jso_feedforward, ENUM, "inverse_dynamics", 0, 0, "none|inverse_dynamics", "joint_so on imitate (no effect elsewhere): add the reference's inverse-dynamics torque (ground reaction estimated at the feet, mean of the step's two frames) to the PD torque") \
  X(env, jso_gains, ENUM, "strength", 0, 0, "uniform|strength", "joint_so: PD gains the same on every hinge (jso_kp, jso_kd), or scaled by each hinge's muscle strength (the sum of its muscles' largest moments in the centre pose) over the hinges' mean, so a target error asks every joint for the same share of its strength") \
  X(env, jso_every_substep, BOOL, "true", 0, 0, NULL, "joint_so: re-solve the PD torque and static optimisation before every MuJoCo step (Lee et al. 2019's muscle layer at the simulation rate) rather than once per control step; true: imitate learned faster per env step (bench/learn_log.md, issub), at about twice the cost of a step") \
  X(stand, episode_s, REAL, "10", 0.1, 3600, NULL, "episode length in s") \
  X(stand, w_up, REAL, "0.4", 0, 100, NULL, "reward weight: pelvis upright") \
  X(stand, w_height, REAL, "0.3", 0, 100, NULL, "reward weight: pelvis at standing height") \
  X(stand, w_still, REAL, "0.2", 0, 100, NULL, "reward weight: little horizontal pelvis velocity") \
  X(stand, w_energy, REAL, "0.1", 0, 100, NULL, "reward weight: 1 - mean squared excitation") \
  X(stand, pose, ENUM, "upright", 0, 0, "upright|key", "start pose and target: the upright stance (free hinges 0, knees 5 deg, feet on the floor) and its pelvis height, or keyframe 0 (a crouch: knees 26 deg)") \
  X(stand, w_posture, REAL, "0.2", 0, 100, NULL, "reward weight: hinges near the stand.pose stance exp(-k_posture sum dq^2)") \
  X(stand, k_posture, REAL, "1", 0, 1e4, NULL, "posture scale, 1/rad^2") \
  X(stand, w_heel, REAL, "0.2", 0, 100, NULL, "reward weight: heels loaded, mean over feet of min(1, heel contact force / (body weight / 4))") \
  X(stand, w_limit, REAL, "0.1", 0, 100, NULL, "reward weight: exp(-sum |joint-limit force| / (0.05 body weight x 1 m)), no joint pressed on its limit") \
  X(walk, episode_s, REAL, "20", 0.1, 3600, NULL, "episode length in s") \
  X(walk, speed_min, REAL, "0.8", 0, 10, NULL, "m/s, lowest commanded forward speed") \
  X(walk, speed_max, REAL, "1.4", 0, 10, NULL, "m/s, highest commanded forward speed") \
  X(walk, start, ENUM, "stand", 0, 0, "stand|reference", "episode start: the standing keyframe with noise, or a random frame of imitate.motion (pose and velocities; a start the AMP reference covers)") \
  X(walk, speed, ENUM, "range", 0, 0, "range|reference", "commanded speed: uniform in [speed_min, speed_max], or the mean speed of imitate.motion's clip (drawn by weight for a .list; the start clip with walk.start = reference), so that AMP's reference can show the commanded gait") \
  X(walk, heading_range, REAL, "0", 0, 3.15, NULL, "rad, commanded heading uniform in +-this around the initial facing") \
  X(walk, w_vel, REAL, "0.6", 0, 100, NULL, "reward weight: velocity tracking exp(-k_vel |v - v*|^2)") \
  X(walk, k_vel, REAL, "4", 0, 1e4, NULL, "velocity tracking scale, 1/(m/s)^2") \
  X(walk, w_up, REAL, "0.2", 0, 100, NULL, "reward weight: pelvis upright") \
  X(walk, w_heading, REAL, "0.1", 0, 100, NULL, "reward weight: heading (1 + cos error)/2") \
  X(walk, w_energy, REAL, "0.1", 0, 100, NULL, "reward weight: 1 - mean squared excitation") \
  X(imitate, episode_s, REAL, "10", 0.1, 3600, NULL, "episode length in s") \
  X(imitate, motion, STR, "default", 0, 0, NULL, "reference motion: 'default' (embedded gait cycle), a .mot/.sto file, or a .list of clips (one 'PATH [weight=1] [cyclic=0] [split=train|test]' a line; each episode draws a clip by weight)") \
  X(imitate, mining, ENUM, "off", 0, 0, "off|failure", "clip library (.list) curriculum: off (the list's weights), or failure: hard-negative mining, each clip drawn in proportion to its list weight times its recent failure rate, with imitate.mining_floor of the list's distribution kept (learner/mining.h)") \
  X(imitate, mining_floor, REAL, "0.2", 0, 1, NULL, "mining: share of the list's own distribution in the clip weights, so no clip starves (1: mining changes nothing)") \
  X(imitate, mining_decay, REAL, "0.9", 0, 1, NULL, "mining: per-update decay of each clip's episode and success counts (0: only the last update counts, 1: every episode since the start)") \
  X(imitate, cyclic, ENUM, "auto", 0, 0, "auto|true|false", "repeat the motion file as one cycle: true, false, or auto (cyclic only when its last row matches its first within 5 deg and 2 cm, mot_ends_match)") \
  X(imitate, w_pos, REAL, "0.6", 0, 100, NULL, "reward weight: tracked body positions exp(-k_pos mean|dp|^2) (KINESIS)") \
  X(imitate, k_pos, REAL, "200", 0, 1e5, NULL, "position scale, 1/m^2") \
  X(imitate, pos_frame, ENUM, "world", 0, 0, "world|pelvis", "body-position term: each tracked body's world position against the reference's, or its position relative to the pelvis (the free joint's origin) against the reference's relative to its own (DeepMimic's end-effector convention: a step placed for the body where it is, not for where the reference is, costs nothing; imitate.w_root then holds the body to the reference's path)") \
  X(imitate, w_root, REAL, "0", 0, 100, NULL, "reward weight: pelvis (free joint origin) position exp(-k_root |dp|^2)") \
  X(imitate, k_root, REAL, "50", 0, 1e5, NULL, "pelvis position scale, 1/m^2 (50: 0.32 at the default termination distance, 0.15 m)") \
  X(imitate, w_vel, REAL, "0.2", 0, 100, NULL, "reward weight: tracked body velocities") \
  X(imitate, k_vel, REAL, "5", 0, 1e5, NULL, "velocity scale, 1/(m/s)^2") \
  X(imitate, w_up, REAL, "0.1", 0, 100, NULL, "reward weight: pelvis upright") \
  X(imitate, w_energy, REAL, "0.1", 0, 100, NULL, "reward weight: 1 - mean squared excitation") \
  X(imitate, w_joint, REAL, "0", 0, 100, NULL, "reward weight: joint angles exp(-k_joint sum dq^2) (DeepMimic; 0: off)") \
  X(imitate, k_joint, REAL, "2", 0, 1e5, NULL, "joint-angle scale, 1/rad^2") \
  X(imitate, term_dist, REAL, "0.15", 0.001, 100, NULL, "m, end the episode when a tracked body is farther from the reference") \
  X(imitate, term_start, REAL, "0.3", 0.001, 100, NULL, "m, termination distance at the start of training, tightened linearly to imitate.term_dist over imitate.term_steps") \
  X(imitate, term_steps, INT, "0", 0, 9.2e18, NULL, "env steps of the termination curriculum (0: none, term_dist from the start)") \
  X(imitate, assist, REAL, "0", 0, 100, NULL, "balance assistant at the start of training (a curriculum; eval and every env outside training run without it): a sideways force and a pelvis-orientation moment toward the reference, stiffness this x m g / l and x m g l (1: cancels an inverted pendulum's toppling), taken linearly to 0 over imitate.assist_steps; 0: none") \
  X(imitate, assist_steps, INT, "0", 0, 9.2e18, NULL, "env steps over which the balance assistant fades to 0 (0 with imitate.assist > 0: constant, never taken away)") \
  X(imitate, rsi, BOOL, "true", 0, 0, NULL, "reference state initialisation at a random phase") \
  X(imitate, future, INT, "2", 1, 8, NULL, "reference frames ahead in the observation") \
  X(imitate, act_preload, ENUM, "env", 0, 0, "env|so", "muscle activations at an episode's start: as the env does it (env.*), or the static-optimisation activations of the start frame (min sum a^2 meeting the frame's joint moments; envs/motion/so.h)") \
  X(imitate, feedforward, ENUM, "none", 0, 0, "none|so", "excitation mode: none, or so: the policy output x corrects a feed-forward excitation, u = sigmoid(x + logit(a_so)) with a_so the static-optimisation activations of the step's frames (zero output: the static-optimisation solution)") \
  X(device, ankle, ENUM, "none", 0, 0, "none|right|left|both", "ankle exoskeleton: a torque actuator on ankle_angle and its parts' mass on shank and foot (README, Assistive devices); none: the plain model") \
  X(device, ankle_limit, REAL, "100", 1, 1000, NULL, "N m, the ankle exoskeleton's torque limit (actuator ctrl and force range)") \
  X(device, ankle_mass_shank, REAL, "0.8", 0, 20, NULL, "kg, the ankle exoskeleton's part on the shank (cuff, actuator), 60% of the way down the tibia") \
  X(device, ankle_mass_foot, REAL, "0.3", 0, 20, NULL, "kg, the ankle exoskeleton's part on the foot (footplate), at the calcaneus' centre of mass") \
  X(device, ankle_control, ENUM, "profile", 0, 0, "zero|profile|impedance", "ankle exoskeleton controller: no torque, the plantarflexion profile over the gait phase (device.peak_*), or the finite-state impedance law (device.ankle_imp_*)") \
  X(device, knee, ENUM, "none", 0, 0, "none|right|left|both", "knee exoskeleton: a torque actuator on knee_angle and its parts' mass on thigh and shank") \
  X(device, knee_limit, REAL, "60", 1, 1000, NULL, "N m, the knee exoskeleton's torque limit") \
  X(device, knee_mass_thigh, REAL, "0.6", 0, 20, NULL, "kg, the knee exoskeleton's part on the thigh, 70% of the way down the femur") \
  X(device, knee_mass_shank, REAL, "0.4", 0, 20, NULL, "kg, the knee exoskeleton's part on the shank, 25% of the way down the tibia") \
  X(device, knee_control, ENUM, "impedance", 0, 0, "zero|impedance", "knee exoskeleton controller: no torque, or the finite-state impedance law (device.knee_imp_*)") \
  X(device, peak_torque, REAL, "0.75", 0, 5, NULL, "profile: plantarflexion peak torque, N m per kg of body mass (0.75 at 48% of the stride: the best of nine patterns in Front. Neurorobot. 2021, doi:10.3389/fnbot.2021.797147)") \
  X(device, peak_time, REAL, "0.48", 0.01, 0.99, NULL, "profile: time of the peak, fraction of the stride from the same side's heel strike") \
  X(device, onset, REAL, "0.25", 0, 0.99, NULL, "profile: the torque rises from zero here (fraction of the stride), before peak_time") \
  X(device, offset, REAL, "0.62", 0.01, 1, NULL, "profile: the torque is back to zero here, after peak_time (toe-off is near 62% of the stride)") \
  X(device, stride_s, REAL, "1.1", 0.2, 10, NULL, "s, the stride time the gait phase assumes until two heel strikes of a side have been seen; then the last stride's") \
  X(device, contact_bw, REAL, "0.05", 0.001, 2, NULL, "foot contact: vertical ground force on the foot above this many body weights (heel strike: the rise through it)") \
  X(device, ankle_imp_k, STR, "250,400,20", 0, 0, NULL, "impedance, ankle: stiffness per phase (early stance, late stance, swing), N m/rad; torque = -k (q - q_eq) - b dq/dt") \
  X(device, ankle_imp_b, STR, "3,1,0.5", 0, 0, NULL, "impedance, ankle: damping per phase, N m s/rad") \
  X(device, ankle_imp_eq, STR, "0,-0.3,0", 0, 0, NULL, "impedance, ankle: equilibrium angle per phase, rad (ankle_angle, dorsiflexion positive: -0.3 pushes into plantarflexion)") \
  X(device, knee_imp_k, STR, "150,50,10", 0, 0, NULL, "impedance, knee: stiffness per phase (early stance, late stance, swing), N m/rad") \
  X(device, knee_imp_b, STR, "3,1,0.5", 0, 0, NULL, "impedance, knee: damping per phase, N m s/rad") \
  X(device, knee_imp_eq, STR, "0.1,0.2,0.6", 0, 0, NULL, "impedance, knee: equilibrium angle per phase, rad (knee_angle, flexion positive)") \
  X(device, imp_late_angle, REAL, "0.1", -1, 1, NULL, "impedance: stance turns from early to late when the same side's ankle dorsiflexes past this angle (rad); swing while the foot is off the ground") \
  X(device, prosthesis, ENUM, "none", 0, 0, "none|right|left", "transtibial prosthesis: that side's foot becomes a prosthetic foot with a powered ankle (actuator pros_ankle_*, finite-state impedance device.pros_imp_*), subtalar and mtp locked, the 11 muscles that end on the foot without force (README, Assistive devices)") \
  X(device, pros_limit, REAL, "150", 1, 1000, NULL, "N m, the prosthetic ankle's torque limit (the biological plantarflexion peak in walking is about 1.5 N m/kg, Winter 2009)") \
  X(device, pros_mass_shank, REAL, "1.3", 0, 20, NULL, "kg, the prosthesis' motor, transmission and battery, welded to the shank 85% of the way down (with pros_mass_foot 2.0 kg: a BiOM weighs more than 2,000 g, O&P Edge 2014-05)") \
  X(device, pros_mass_foot, REAL, "0.7", 0.05, 20, NULL, "kg, the prosthetic foot: talus, calcn and toes of that side scaled to this mass (a passive carbon foot, Ossur Vari-Flex, weighs 700 g, O&P Edge 2014-05)") \
  X(device, pros_imp_k, STR, "19.874,79.498,7.949", 0, 0, NULL, "prosthesis impedance: ankle stiffness per phase (early stance, late stance, swing), N m/rad (Open-Source Leg example FSM, opensourceleg library)") \
  X(device, pros_imp_b, STR, "0,0.063,0", 0, 0, NULL, "prosthesis impedance: ankle damping per phase, N m s/rad (Open-Source Leg example FSM)") \
  X(device, pros_imp_eq, STR, "-0.0349066,-0.349066,0.436332", 0, 0, NULL, "prosthesis impedance: ankle equilibrium per phase, rad (-2, -20, 25 deg: Open-Source Leg example FSM; dorsiflexion positive)") \
  X(device, series_k, REAL, "0", 0, 1e7, NULL, "N m/rad, series spring between every device motor and its joint (0: rigid); the torque is series_k (motor angle - joint angle), the motor angle a state of the env") \
  X(device, motor_speed, REAL, "10", 0.01, 1000, NULL, "rad/s, series compliance: the largest speed of the motor side (at the joint); the motor moves toward joint angle + command / series_k at most this fast") \
  X(actor, rollout_steps, INT, "64", 1, 4096, NULL, "control steps T per environment in one trajectory batch") \
  X(actor, learner_timeout_s, REAL, "600", 1, 1e7, NULL, "an actor waiting this long for its learner (weights, or room to send) stops: a job started with mpirun --enable-recovery whose learner died would otherwise never end; a learner on the actor's host is watched by its pid and noticed within a second") \
  X(learner, mode, ENUM, "sync", 0, 0, "sync|async", "sync: one batch per actor from the current policy per update; async: actors never wait") \
  X(learner, max_policy_lag, INT, "4", 0, 1000, NULL, "async: drop batches whose policy is older than this many versions") \
  X(learner, actor_timeout_s, REAL, "120", 1, 86400, NULL, "an actor silent this long is reported dead") \
  X(learner, group, INT, "1", 0, 65536, NULL, "learner ranks L, each with its own contiguous block of actors, averaging gradients with one allreduce per minibatch (0: one learner per node; see README, On a cluster)") \
  X(nn, hidden, STR, "256,256", 0, 0, NULL, "hidden layer widths of policy and value networks, comma-separated") \
  X(nn, activation, ENUM, "tanh", 0, 0, "tanh|elu|silu", "hidden activation") \
  X(nn, init_log_std, REAL, "-0.5", -5, 2, NULL, "initial log standard deviation of the Gaussian policy") \
  X(nn, deterministic, ENUM, "mean_excitation", 0, 0, "mean_excitation|mean_action", "deterministic policy (eval --deterministic) in excitation mode: the excitation the stochastic policy gives on average, E[sigmoid(mu + noise)], or sigmoid(mu)") \
  X(nn, threads, INT, "1", 1, 256, NULL, "BLIS threads on the learner") \
  X(nn, head, ENUM, "gaussian", 0, 0, "gaussian|lattice", "policy noise: diagonal Gaussian, or Lattice latent time-correlated noise (Chiappa et al. 2023, see [lattice])") \
  X(nn, experts, INT, "1", 1, 8, NULL, "mixture of experts: K expert policy heads on the shared policy trunk, mixed by a softmax gate on the same trunk (1: one head, the plain network; more than 1 needs nn.head = gaussian); --resume RUN --set nn.experts=K+1 adds an expert, see README, Mixture of experts") \
  X(lattice, alpha, REAL, "1", 0, 100, NULL, "scale of the latent noise: Sigma = alpha^2 W diag(s_lat^2) W^T + diag(s_act^2) (s_act from nn.init_log_std)") \
  X(lattice, resample_every, INT, "4", 1, 100000, NULL, "control steps each env holds its noise before redrawing it (time correlation; 1: independent steps)") \
  X(lattice, init_log_std_lat, REAL, "0", -10, 2, NULL, "initial log standard deviation of the latent noise s_lat") \
  X(ppo, lr, REAL, "3e-4", 0, 1, NULL, "Adam learning rate (annealed linearly towards 0 when ppo.anneal_lr; the last update still uses lr / number of updates)") \
  X(ppo, vf_lr, REAL, "0", 0, 1, NULL, "> 0: the value network's own Adam learning rate (ppo.lr is then the policy's; KINESIS: 5e-5 and 3e-4), policy and value gradients clipped to ppo.max_grad_norm separately; 0: one lr and one global clip") \
  X(ppo, anneal_lr, BOOL, "true", 0, 0, NULL, "anneal the learning rate linearly over run.total_steps (held constant when run.total_steps = 0)") \
  X(ppo, gamma, REAL, "0.99", 0, 1, NULL, "discount") \
  X(ppo, lambda, REAL, "0.95", 0, 1, NULL, "GAE lambda") \
  X(ppo, clip, REAL, "0.2", 0, 10, NULL, "policy ratio clip") \
  X(ppo, value_clip, REAL, "0.2", 0, 1e9, NULL, "value clip around the old value (0: off)") \
  X(ppo, ent_coef, REAL, "0", 0, 10, NULL, "entropy bonus coefficient") \
  X(ppo, vf_coef, REAL, "0.5", 0, 100, NULL, "value loss coefficient") \
  X(ppo, epochs, INT, "5", 1, 1000, NULL, "passes over each batch") \
  X(ppo, minibatch, INT, "512", 1, 1048576, NULL, "samples per minibatch") \
  X(ppo, max_grad_norm, REAL, "0.5", 0, 1e9, NULL, "global gradient-norm clip (0: off)") \
  X(ppo, target_kl, REAL, "0.03", 0, 100, NULL, "stop the epochs early when approx KL exceeds this (0: off)") \
  X(ppo, norm_adv, BOOL, "true", 0, 0, NULL, "normalise advantages per minibatch") \
  X(ppo, reward_scaling, BOOL, "true", 0, 0, NULL, "divide rewards by the running std of the discounted return") \
  X(ppo, obs_clip, REAL, "10", 0, 1e9, NULL, "clip normalised observations to +-this") \
  X(ppo, mirror, REAL, "0", 0, 100, NULL, "weight of the mirror-symmetry loss (Yu, Turk & Liu 2018): the policy's mean at a state and the mirror of its mean at the mirrored state are pulled together (learner/ppo.h); a body whose sides differ (a device, a hemiparetic subject) is refused; 0: off") \
  X(adam, beta1, REAL, "0.9", 0, 0.9999, NULL, "Adam first-moment decay, for the policy/value networks and the AMP discriminator (Kingma & Ba 2015)") \
  X(adam, beta2, REAL, "0.999", 0, 0.999999, NULL, "Adam second-moment decay") \
  X(adam, eps, REAL, "1e-5", 1e-12, 1, NULL, "Adam epsilon (PPO practice 1e-5, not torch's 1e-8)") \
  X(amp, enabled, BOOL, "false", 0, 0, NULL, "Adversarial Motion Priors: style reward from a discriminator on (s, s') AMP features vs the imitate.motion reference (Peng et al. 2021)") \
  X(amp, w_task, REAL, "0.5", 0, 100, NULL, "reward = w_task * task reward + w_style * style reward (default: an equal mix)") \
  X(amp, w_style, REAL, "0.5", 0, 100, NULL, "weight of the style reward max(0, 1 - 0.25 (D - 1)^2) in [0, 1]") \
  X(amp, hidden, STR, "256,256", 0, 0, NULL, "discriminator hidden widths (tanh), comma-separated, 1 to 4 layers") \
  X(amp, lr, REAL, "1e-4", 0, 1, NULL, "discriminator Adam learning rate") \
  X(amp, epochs, INT, "2", 1, 100, NULL, "discriminator passes over each update's policy transitions") \
  X(amp, minibatch, INT, "256", 2, 65536, NULL, "policy rows (half current, half replay) and as many reference rows per discriminator step") \
  X(amp, grad_penalty, REAL, "5", 0, 1e4, NULL, "w_gp: (w_gp/2) E_ref ||dD/dx||^2 (IsaacGymEnvs HumanoidAMPPPO: 5)") \
  X(amp, logit_reg, REAL, "0.05", 0, 100, NULL, "weight of ||W_out||^2 of the output layer (IsaacGymEnvs: 0.05)") \
  X(amp, weight_decay, REAL, "1e-4", 0, 100, NULL, "weight of the sum of squared discriminator weights (IsaacGymEnvs: 1e-4)") \
  X(amp, replay_size, INT, "100000", 1, 1e8, NULL, "rows of the replay buffer of past policy transitions (allocated at start)") \
  X(rehab, enabled, BOOL, "false", 0, 0, NULL, "use-dependent recovery of the paretic side between training phases (Reinkensmeyer et al. 2012; envs/rehab.h): strength += rate * use * (ceiling - strength), spasticity gain -= rate * use * gain, use = the muscle's mean excitation over the phase") \
  X(rehab, phase_updates, INT, "10", 1, 1e9, NULL, "PPO updates per rehabilitation phase") \
  X(rehab, rate, REAL, "0.1", 0, 1, NULL, "recovery per phase at full use (mean excitation 1): the fraction of the gap to the ceiling (strength) or of the reflex gain (spasticity) recovered") \
  X(rehab, ceiling, REAL, "1", 0, 10, NULL, "strength factor the paretic side's muscles recover toward and never pass (1: the reference muscle)") \
  X(rehab, recover, ENUM, "strength", 0, 0, "strength|spasticity|both", "which parameters of the paretic side recover: peak-force factor, stretch-reflex gain, or both") \
  X(rehab, side, ENUM, "right", 0, 0, "right|left", "the paretic side whose muscles recover")

typedef enum { CFG_INT, CFG_REAL, CFG_BOOL, CFG_STR, CFG_ENUM } cfg_type;

typedef struct cfg_t {
#define CFG_FIELD_INT(f) int64_t f;
#define CFG_FIELD_REAL(f) double f;
#define CFG_FIELD_BOOL(f) int f;
#define CFG_FIELD_STR(f) char f[CFG_STR_MAX];
#define CFG_FIELD_ENUM(f) char f[CFG_STR_MAX];
#define X(sec, name, type, def, lo, hi, choices, doc) CFG_FIELD_##type(sec##_##name)
  CONFIG_TABLE(X)
#undef X
} cfg_t;

typedef struct cfg_key {
  const char *section, *name;
  cfg_type type;
  const char *def;
  double lo, hi;
  const char *choices;
  const char *doc;
  size_t offset;
} cfg_key;

extern const cfg_key cfg_keys[];
extern const int cfg_nkeys;

/* Fill every key with its default. */
void cfg_defaults(cfg_t *c);
/* The defaults a saved config (a run's config.resolved.ini, a checkpoint's or policy file's config)
 * is read over: cfg_defaults, except that a key whose default changed after it was first saved takes
 * the value a config without it meant (its old default), so a run resumed or evaluated with a newer
 * binary runs as it was trained. */
void cfg_saved_defaults(cfg_t *c);
/* Set one key from text with full validation. `where` prefixes errors ("file:12" or "--set"). */
int cfg_set(cfg_t *c, const char *where, const char *section, const char *name, const char *value, d2m_err *err);
/* Parse an INI file over the current values. */
int cfg_load_file(cfg_t *c, const char *path, d2m_err *err);
/* The same, leaving the keys with skip[key index] != 0 as they are (their names are still checked):
 * a later --set gives them, so a bad value in the file (say, a resumed config.resolved.ini) can be
 * overridden instead of blocking the run. */
int cfg_load_file_masked(cfg_t *c, const char *path, const unsigned char *skip, d2m_err *err);
/* Mark in skip[] (cfg_nkeys bytes) the key that "section.key=value" sets; -1 if it names none. */
int cfg_override_mask(const char *assignment, unsigned char *skip);
/* The line of path that sets section.name (0: none), for errors about values checked after loading. */
int cfg_key_line(const char *path, const char *section, const char *name);
/* A real as the shortest decimal (up to 17 digits) that reads back to exactly x. */
void cfg_format_real(double x, char *out, size_t n);
/* Parse INI text (name is used in errors as the file name). */
int cfg_load_string(cfg_t *c, const char *name, const char *text, d2m_err *err);
/* Apply "section.key=value". */
int cfg_apply_override(cfg_t *c, const char *assignment, d2m_err *err);
/* cfg_defaults, then each "section.key=value" of the NULL-terminated list: how tests and
 * benchmarks state the values they need, through the same table and checks as a user's --set.
 * CFG_WITH(&c, &err, "ppo.epochs=10", "ppo.lr=1e-3") is the same with the list written inline. */
int cfg_with(cfg_t *c, const char *const *overrides, d2m_err *err);
#define CFG_WITH(c, err, ...) cfg_with((c), (const char *const[]){__VA_ARGS__, NULL}, (err))
/* Write the resolved config as an INI file that cfg_load_file reads back to the same cfg_t. */
void cfg_write(const cfg_t *c, FILE *f);
/* The same with each key's doc and allowed values as comments (configs/default.ini). */
void cfg_write_documented(const cfg_t *c, FILE *f);
/* The table, for `drl2move train --help-config`. */
void cfg_print_table(FILE *f);
/* Text of one value, as cfg_write prints it. */
void cfg_format_value(const cfg_t *c, const cfg_key *k, char *out, size_t n);
const cfg_key *cfg_find(const char *section, const char *name);

#endif
